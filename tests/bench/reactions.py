"""Reactions benchmark: N attendees over W Plenary processes each react R times a second for
S seconds while a moderator publishes other events; the same run first measures those other
events without reactions, so the two can be compared.

    .venv/bin/python tests/bench/reactions.py --clients 1000 --workers 2 --seconds 30

Checked and printed: every client's most `reactions` events in any one second (must be 1)
and the shortest gap between two of them; whether the counts every client added up equal
the reactions the server accepted (exact totals); and the publish→receive p50/p99 of the
moderator's chat messages (numbered, so each is timed from its own send) without and with
reactions (fan-out of other events unaffected). It starts its own redis-server and
`python -m plenary` processes; the load generators are the lean clients of fanout.py.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import json
import multiprocessing as mp
import os
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout import BUCKET_MS, BUCKETS, LeanClient, cpu_seconds, percentile

from harness import SECRET, RedisServer, Server, create_event
from plenary.auth import issue_token
from plenary.messages import Role

KINDS = ("applause", "thumbs_up", "heart", "laugh", "surprise")
MARK = re.compile(rb'"text":"bench (\d+)"')  # the moderator's chat messages, numbered
REACTIONS = b'"type":"reactions"'
ERROR_CODE = re.compile(rb'"type":"error"[^}]*"code":"(\w+)"')
SLOTS = 10  # clients react in 10 staggered slots per period, not all at once


class Tally:
    """One load generator's view: latency of other events per phase, reactions per client."""

    def __init__(self, n: int, events: int) -> None:
        self.events = events
        self.histograms = [[0] * BUCKETS, [0] * BUCKETS]  # without, with reactions
        self.updates = [0] * n
        self.arrivals: list[list[float]] = [[] for _ in range(n)]
        self.totals = [dict.fromkeys(KINDS, 0) for _ in range(n)]
        self.sent = dict.fromkeys(KINDS, 0)
        self.errors: dict[str, int] = {}


def loader(urls: list[str], tokens: list[str], events: int, args: dict[str, Any], sent: Any,
           ready: Any, go: Any, react: Any, results: Any) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    results.put(asyncio.run(_load(urls, tokens, events, args, sent, ready, go, react)))


async def _load(urls: list[str], tokens: list[str], events: int, args: dict[str, Any],
                sent: Any, ready: Any, go: Any, react: Any) -> dict[str, Any]:
    tally = Tally(len(tokens), events)
    loop = asyncio.get_running_loop()

    def on_text(i: int) -> Any:
        def take(payload: bytes) -> None:
            now = time.time()
            for found in MARK.findall(payload):  # an event says which one it is
                k = int(found)
                tally.updates[i] += 1
                if k < 2 * events and sent[k]:
                    ms = (now - sent[k]) * 1000
                    tally.histograms[k // events][min(BUCKETS - 1, int(ms / BUCKET_MS))] += 1
            if REACTIONS in payload:
                for item in _messages(payload):
                    if item.get("type") == "reactions":
                        tally.arrivals[i].append(now)
                        for kind, n in item["data"]["counts"].items():
                            tally.totals[i][kind] += n
            if b'"type":"error"' in payload:
                for code in ERROR_CODE.findall(payload):
                    tally.errors[code.decode()] = tally.errors.get(code.decode(), 0) + 1
        return take

    async def client(i: int, url: str, token: str) -> LeanClient:
        host, port = url.split("//")[1].split("/")[0].split(":")
        joined = loop.create_future()

        def first(payload: bytes) -> None:
            if b'"id":2' in payload and not joined.done():
                joined.set_result(None)

        _, proto = await loop.create_connection(lambda: LeanClient(host, int(port), first),
                                                host, int(port))
        await proto.open
        proto.send_text(json.dumps({"id": 1, "type": "hello", "data": {"token": token}}))
        proto.send_text(json.dumps({"id": 2, "type": "session.join",
                                    "data": {"session": "opening", "mode": "remote"}}))
        await asyncio.wait_for(joined, 60)
        proto.on_text = on_text(i)
        return proto

    clients: list[LeanClient] = []
    for start in range(0, len(tokens), 100):
        batch = range(start, min(start + 100, len(tokens)))
        clients += await asyncio.gather(*[client(i, urls[i % len(urls)], tokens[i])
                                          for i in batch])
    ready.release()
    await loop.run_in_executor(None, go.wait)
    await loop.run_in_executor(None, react.wait)
    await _react(clients, tally, args["rate"], args["seconds"])
    await asyncio.sleep(3)  # the last interval's `reactions` event, and stragglers
    for c in clients:
        c.transport.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"histograms": tally.histograms, "arrivals": tally.arrivals, "totals": tally.totals,
            "sent": tally.sent, "errors": tally.errors, "updates": tally.updates,
            "cpu": usage.ru_utime + usage.ru_stime}


async def _react(clients: list[LeanClient], tally: Tally, rate: float, seconds: float) -> None:
    """Each client reacts `rate` times a second, its slot staggered over the period."""
    period = 1 / rate
    start = time.time()
    ids = [10] * len(clients)
    step = 0
    while (now := time.time()) < start + seconds:
        slot = step % SLOTS
        for i in range(slot, len(clients), SLOTS):
            kind = KINDS[i % len(KINDS)]
            ids[i] += 1
            clients[i].send_text('{"id":%d,"type":"reaction.send","data":{"session":"opening",'
                                 '"kind":"%s"}}' % (ids[i], kind))
            tally.sent[kind] += 1
        step += 1
        await asyncio.sleep(max(0.0, start + step * period / SLOTS - now))


def _messages(payload: bytes) -> list[dict[str, Any]]:
    parsed = json.loads(payload)
    return parsed if isinstance(parsed, list) else [parsed]


def most_in_a_second(times: list[float]) -> int:
    return max((bisect.bisect_left(times, t + 1.0) - j for j, t in enumerate(times)), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loaders", type=int, default=2)
    parser.add_argument("--rate", type=float, default=2, help="reactions per person per second")
    parser.add_argument("--seconds", type=float, default=30, help="each phase")
    parser.add_argument("--event-rate", type=float, default=10, help="other events per second")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    redis = RedisServer()
    redis.start()
    env = {"PLENARY_SEND_QUEUE_LIMIT": "100000", "PLENARY_CHAT_LIMIT_PER_MIN": "100000",
           "PLENARY_COMMAND_LIMIT_PER_S": "100000"}
    servers = [Server(redis.url, env=env).start()
               for _ in range(args.workers)]
    try:
        run(args, servers)
    finally:
        for server in servers:
            server.stop()
        redis.stop()


def run(args: argparse.Namespace, servers: list[Server]) -> None:
    event = create_event(servers[0])
    urls = [s.ws for s in servers]
    events = int(args.event_rate * args.seconds)  # per phase
    tokens = [issue_token(SECRET, event=event.id, name=f"a{i}", role=Role.attendee, ttl_s=3600)
              for i in range(args.clients)]
    pids = [s.proc.pid for s in servers if s.proc]
    ctx = mp.get_context("fork")
    sent = ctx.Array("d", 2 * events, lock=False)
    ready, go, react, results = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
    shares = [tokens[i::args.loaders] for i in range(args.loaders)]
    options = {"rate": args.rate, "seconds": args.seconds}
    procs = [ctx.Process(target=loader, args=(urls[i % len(urls):] + urls[:i % len(urls)], share,
                                              events, options, sent, ready, go, react, results))
             for i, share in enumerate(shares)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    moderator = issue_token(SECRET, event=event.id, name="mod", role=Role.moderator, ttl_s=3600)
    go.set()
    cpu = [sum(cpu_seconds(p) for p in pids)]
    asyncio.run(publish(urls[0], moderator, range(events), args.event_rate, sent))  # no reactions
    cpu.append(sum(cpu_seconds(p) for p in pids))
    react.set()
    asyncio.run(publish(urls[0], moderator, range(events, 2 * events), args.event_rate, sent))
    outcomes = [results.get() for _ in procs]
    cpu.append(sum(cpu_seconds(p) for p in pids))
    for p in procs:
        p.join()
    report(args, events, outcomes, cpu)


async def publish(url: str, token: str, numbers: range, rate: float, sent: Any) -> None:
    """The other events: the moderator's chat messages `bench <k>`, at `rate` per second."""
    async with websockets.connect(url, compression=None, ping_interval=None) as ws:
        await ws.send(json.dumps({"id": 0, "type": "hello", "data": {"token": token}}))
        await ws.recv()
        await ws.send(json.dumps({"id": 1, "type": "session.join",
                                  "data": {"session": "opening"}}))
        drain = asyncio.create_task(_drain(ws))
        start = time.time() + 0.2
        for n, k in enumerate(numbers):
            delay = start + n / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[k] = time.time()
            await ws.send(json.dumps({"id": k + 2, "type": "chat.say",
                                      "data": {"session": "opening", "text": f"bench {k}"}}))
        await asyncio.sleep(1)
        drain.cancel()


async def _drain(ws: Any) -> None:
    async for frame in ws:
        for code in ERROR_CODE.findall(frame.encode() if isinstance(frame, str) else frame):
            print("publisher got an error:", code.decode(), file=sys.stderr)


def report(args: argparse.Namespace, events: int, outcomes: list[dict[str, Any]],
           cpu: list[float]) -> None:
    sent = dict.fromkeys(KINDS, 0)
    for o in outcomes:
        for kind, n in o["sent"].items():
            sent[kind] += n
    arrivals = [a for o in outcomes for a in o["arrivals"]]
    totals = [t for o in outcomes for t in o["totals"]]
    updates = [u for o in outcomes for u in o["updates"]]
    worst = max(most_in_a_second(a) for a in arrivals)
    gaps = [b - a for times in arrivals for a, b in itertools.pairwise(times)]
    exact = sum(t == sent for t in totals)
    errors: dict[str, int] = {}
    for o in outcomes:
        for code, n in o["errors"].items():
            errors[code] = errors.get(code, 0) + n
    without, with_ = ([sum(h) for h in zip(*(o["histograms"][i] for o in outcomes),
                                           strict=True)] for i in (0, 1))
    print(f"clients={args.clients} workers={args.workers} reactions={args.rate}/s each for "
          f"{args.seconds:.0f} s, other events {args.event_rate}/s, cores={os.cpu_count()}")
    print(f"reactions sent: {sum(sent.values())} {sent}; command errors: {errors}")
    print(f"`reactions` events per client: {min(map(len, arrivals))}–{max(map(len, arrivals))}; "
          f"most in any 1 s window: {worst}; shortest gap: {min(gaps, default=0):.3f} s")
    print(f"clients whose added-up counts equal the reactions sent: {exact}/{len(totals)}")
    print(f"other events (chat messages) delivered: {sum(min(u, 2 * events) for u in updates)}/"
          f"{2 * events * len(updates)}")
    for name, hist, spent in (("without reactions", without, cpu[1] - cpu[0]),
                              ("with reactions   ", with_, cpu[2] - cpu[1])):
        print(f"{name}: chat.message p50 {percentile(hist, .5):.1f} ms  "
              f"p99 {percentile(hist, .99):.1f} ms  max {percentile(hist, 1.0):.1f} ms; "
              f"server CPU {spent:.1f} s")
    print(f"p99 ratio with/without: {percentile(with_, .99) / percentile(without, .99):.2f}")
    print(f"load generators' CPU: {sum(o['cpu'] for o in outcomes):.1f} s")


if __name__ == "__main__":
    main()
