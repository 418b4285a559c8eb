"""Fan-out benchmark: Plenary against the `websockets.broadcast()` floor, in one invocation.

    .venv/bin/python tests/bench/fanout.py --workloads 1000x20,4000x10,10000x10,1000x200

For each workload (CLIENTSxRATE) and each of `--runs` runs, it starts W `python -m plenary`
processes (real uvicorn, real sockets) on its own redis-server, connects N clients spread over
them from L load-generator processes (a lean RFC 6455 client on uvloop), and has a moderator
publish `session.update` events at R per second for `--seconds`; then the same against W
floor processes (`floor.py`: the plain `websockets.broadcast()` loop, same Redis, same event
size, same clients). Every client must receive every event. Printed per workload: the medians
(and ranges) of p50/p99/max publish→receive latency (publish = when the moderator sent the
command, so command handling, Redis and the fan-out are included), server CPU µs per delivered
message, server RSS per connection and the time all clients took to connect and join; then
Plenary's ratio to the floor, measured in the same invocation (the figure to trust on a
machine shared with other work). It raises its own open-files limit for 10 000 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import SECRET, RedisServer, Server, create_event, free_port, wait_port
from plenary.auth import issue_token
from plenary.messages import Role

BUCKET_MS = 0.1  # latency histogram resolution
BUCKETS = 200_000  # up to 20 s
MARK = '"type":"session.updated"'


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# -- load generator processes ---------------------------------------------------------------------
class LeanClient(asyncio.Protocol):
    """A minimal RFC 6455 client (text frames, pings, no extensions): the `websockets`
    library costs ~25 µs per frame, which on 2 cores would measure the load generator,
    not the server."""

    def __init__(self, host: str, port: int, on_text: Any) -> None:
        self.host, self.port, self.on_text = host, port, on_text
        self.buffer = bytearray()
        self.open = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: Any = None
        self.close_code: int | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /ws HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                         ).encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buffer[:end]:
                self.open.set_exception(ConnectionError(bytes(self.buffer[:end]).decode()))
                return
            del self.buffer[:end + 4]
            self.open.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf, pos = self.buffer, 0
        while len(buf) - pos >= 2:
            opcode, length, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if len(buf) - pos < head + length:
                break
            payload = bytes(buf[pos + head:pos + head + length])
            pos += head + length
            if opcode == 1:
                self.on_text(payload)
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if payload else 1005
                self.transport.close()
        del buf[:pos]

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else
                                          bytes([0x80 | 126]) + n.to_bytes(2, "big"))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    def send_text(self, text: str) -> None:
        self._send(1, text.encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def loader(urls: list[str], tokens: list[str], events: int, sent: Any, ready: Any, go: Any,
           results: Any) -> None:
    try:
        import uvloop  # the load generator's own transport in C, when available

        uvloop.install()
    except ImportError:
        pass
    results.put(asyncio.run(_load(urls, tokens, events, sent, ready, go)))


async def _load(urls: list[str], tokens: list[str], events: int, sent: Any, ready: Any,
                go: Any) -> dict[str, Any]:
    histogram = [0] * BUCKETS
    received = [0] * len(tokens)
    done = asyncio.Event()
    finished = [0]
    mark = MARK.encode()

    size = [0]

    def counter(i: int) -> Any:
        def on_text(payload: bytes) -> None:
            n = payload.count(mark)
            if not n or received[i] >= events:
                return
            if n == 1 and not size[0]:
                size[0] = len(payload)
            now = time.time()
            for _ in range(n):
                k = received[i]
                received[i] += 1
                if k < events:
                    ms = (now - sent[k]) * 1000 if sent[k] else 0.0
                    histogram[min(BUCKETS - 1, max(0, int(ms / BUCKET_MS)))] += 1
            if received[i] >= events:
                finished[0] += 1
                if finished[0] == len(tokens):
                    done.set()
        return on_text

    async def client(i: int, url: str, token: str) -> LeanClient:
        host, port = url.split("//")[1].split("/")[0].split(":")
        joined = asyncio.get_running_loop().create_future()

        def first(payload: bytes) -> None:
            if b'"id":2' in payload and not joined.done():
                joined.set_result(None)

        _, proto = await asyncio.get_running_loop().create_connection(
            lambda: LeanClient(host, int(port), first), host, int(port))
        await proto.open
        proto.send_text(json.dumps({"id": 1, "type": "hello", "data": {"token": token}}))
        proto.send_text(json.dumps({"id": 2, "type": "session.join",
                                    "data": {"session": "opening", "mode": "remote"}}))
        await asyncio.wait_for(joined, 60)
        proto.on_text = counter(i)
        return proto

    clients: list[LeanClient] = []
    for start in range(0, len(tokens), 100):  # connect in batches: no SYN storm
        batch = range(start, min(start + 100, len(tokens)))
        clients += await asyncio.gather(*[client(i, urls[i % len(urls)], tokens[i])
                                          for i in batch])
    ready.release()
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=events / 20 + 30)
    closes: dict[str, int] = {}
    for i, c in enumerate(clients):
        if received[i] < events:  # why was this client short?
            code = str(c.close_code or ("closed" if c.closed.done() else "still open"))
            closes[code] = closes.get(code, 0) + 1
        c.transport.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"received": sum(min(r, events) for r in received), "histogram": histogram,
            "closes": closes, "cpu": usage.ru_utime + usage.ru_stime, "size": size[0]}


# -- the publisher ------------------------------------------------------------------------------
async def publish(url: str, token: str, events: int, rate: float, sent: Any) -> None:
    async with websockets.connect(url, compression=None, ping_interval=None) as ws:
        await ws.send(json.dumps({"id": 0, "type": "hello", "data": {"token": token}}))
        await ws.recv()
        drain = asyncio.create_task(_drain(ws))
        start = time.time() + 0.2
        for k in range(events):
            delay = start + k / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[k] = time.time()
            await ws.send(json.dumps({"id": k + 1, "type": "session.update",
                                      "data": {"session": "opening", "live": k % 2 == 0}}))
        await asyncio.sleep(1)
        drain.cancel()


async def _drain(ws: Any) -> None:
    async for frame in ws:
        if '"type":"error"' in str(frame):
            print("publisher got an error:", str(frame)[:200], file=sys.stderr)


def percentile(histogram: list[int], q: float) -> float:
    total = sum(histogram)
    target, seen = total * q, 0
    for i, count in enumerate(histogram):
        seen += count
        if seen >= target and count:
            return (i + 0.5) * BUCKET_MS
    return float("nan")


class Floor:
    """One floor process (`floor.py`): `websockets.broadcast()` on the same Redis."""

    def __init__(self, redis_url: str, size: int) -> None:
        self.port, self.redis_url, self.size = free_port(), redis_url, size
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> Floor:
        script = Path(__file__).with_name("floor.py")
        self.proc = subprocess.Popen([sys.executable, str(script), str(self.port),
                                      self.redis_url, str(self.size)])
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="1000x20,4000x10",
                        help="CLIENTSxRATE, comma-separated (e.g. 1000x20,4000x10,10000x10)")
    parser.add_argument("--workers", type=int, default=2, help="server processes of each kind")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--no-floor", action="store_true", help="Plenary only")
    parser.add_argument("--env", action="append", default=[],
                        help="NAME=VALUE for Plenary (PLENARY_EVENT_LOOP=uvloop, say)")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # 10 000 connections need more fds
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    redis = RedisServer()
    redis.start()
    table: list[str] = []
    try:
        for workload in args.workloads.split(","):
            clients, rate = (float(x) for x in workload.split("x"))
            table.append(compare(args, int(clients), rate, redis))
    finally:
        redis.stop()
    print("\n| workload | | p50 ms | p99 ms | max ms | CPU µs/delivery | KiB/conn | joined in s | "
          "delivered |\n|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))


def compare(args: argparse.Namespace, clients: int, rate: float, redis: RedisServer) -> str:
    """`runs` runs of Plenary and of the floor, alternating; their medians and the ratio."""
    events = int(rate * args.seconds)
    env = {"PLENARY_SEND_QUEUE_LIMIT": "100000", "PLENARY_COMMAND_LIMIT_PER_S": "100000",
           **dict(e.split("=", 1) for e in args.env)}
    mine: list[dict[str, float]] = []
    floor: list[dict[str, float]] = []
    size = 235
    for _ in range(args.runs):
        servers = [Server(redis.url, env=env).start() for _ in range(args.workers)]
        try:
            result = run(clients, rate, events, args.loaders, servers, create_event(servers[0]))
        finally:
            for server in servers:
                server.stop()
        mine.append(result)
        size = int(result["size"]) or size
        if args.no_floor:
            continue
        floors = [Floor(redis.url, size).start() for _ in range(args.workers)]
        try:
            floor.append(run(clients, rate, events, args.loaders, floors, None))
        finally:
            for f in floors:
                f.stop()
    name = f"{clients}×{rate:g}/s"
    rows = [row(name, "Plenary", mine)]
    if floor:
        rows.append(row(name, "floor", floor))
        ratio = {k: statistics.median(r[k] for r in mine) / max(1e-9, statistics.median(
            r[k] for r in floor)) for k in ("p50", "p99", "max", "cpu_us", "kib", "join_s")}
        rows.append(f"| {name} | **ratio** | {ratio['p50']:.2f} | **{ratio['p99']:.2f}** | "
                    f"{ratio['max']:.2f} | **{ratio['cpu_us']:.2f}** | {ratio['kib']:.2f} | "
                    f"{ratio['join_s']:.2f} | |")
    print("\n".join(rows), flush=True)
    return "\n".join(rows)


def row(name: str, who: str, results: list[dict[str, float]]) -> str:
    def med(key: str) -> str:
        values = sorted(r[key] for r in results)
        text = f"{statistics.median(values):.1f}"
        return text if len(values) == 1 else f"{text} ({values[0]:.1f}–{values[-1]:.1f})"
    delivered = sum(r["delivered"] for r in results)
    expected = sum(r["expected"] for r in results)
    lost = "all" if delivered == expected else f"LOST {expected - delivered}"
    return (f"| {name} | {who} | {med('p50')} | {med('p99')} | {med('max')} | {med('cpu_us')} | "
            f"{med('kib')} | {med('join_s')} | {lost} |")


def run(clients: int, rate: float, events: int, loaders: int, servers: list[Any],
        event: Any) -> dict[str, float]:
    event_id = event.id if event is not None else "floor"
    urls = [s.ws for s in servers]
    tokens = [issue_token(SECRET, event=event_id, name=f"a{i}", role=Role.attendee, ttl_s=3600)
              for i in range(clients)]
    pids = [s.proc.pid for s in servers if s.proc]
    rss_before = sum(rss_bytes(p) for p in pids)
    ctx = mp.get_context("fork")
    sent = ctx.Array("d", events, lock=False)
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    shares = [tokens[i::loaders] for i in range(loaders)]
    procs = [ctx.Process(target=loader, args=(urls[i % len(urls):] + urls[:i % len(urls)],
                                              share, events, sent, ready, go, results))
             for i, share in enumerate(shares)]
    joining = time.time()
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    joined_s = time.time() - joining
    rss_after = sum(rss_bytes(p) for p in pids)
    cpu_before = sum(cpu_seconds(p) for p in pids)
    go.set()
    moderator = issue_token(SECRET, event=event_id, name="mod", role=Role.moderator, ttl_s=3600)
    asyncio.run(publish(urls[0], moderator, events, rate, sent))
    outcomes = [results.get() for _ in procs]
    cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
    for p in procs:
        p.join()
    histogram = [sum(h) for h in zip(*(o["histogram"] for o in outcomes), strict=True)]
    delivered = sum(o["received"] for o in outcomes)
    closes: dict[str, int] = {}
    for o in outcomes:
        for code, n in o["closes"].items():
            closes[code] = closes.get(code, 0) + n
    if closes:
        print(f"  clients short, by close code: {closes}", file=sys.stderr)
    return {"p50": percentile(histogram, .5), "p99": percentile(histogram, .99),
            "max": percentile(histogram, 1.0), "cpu_us": cpu / max(delivered, 1) * 1e6,
            "kib": (rss_after - rss_before) / clients / 1024, "join_s": joined_s,
            "delivered": delivered, "expected": events * clients,
            "size": max(o["size"] for o in outcomes)}


if __name__ == "__main__":
    main()
