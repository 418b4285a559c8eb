"""Join-storm benchmark: a keynote starts while others already listen.

    .venv/bin/python tests/bench/join_storm.py --joiners 1000 --listeners 200 --runs 3

W Plenary processes on one Redis; L listeners joined and receiving `session.update` events at
R per second; then J new clients connect, say hello and `session.join` within S seconds
(evenly spread, over all processes). Printed: the p50/p99 of the joiners' `hello` →
`session.join` reply times, the listeners' p99 publish→receive during the storm, and the
same against the `websockets.broadcast()` floor (whose join is a bare reply: the ratio says
what Plenary's snapshot and presence cost) in the same invocation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout import SECRET, Floor, LeanClient, Server, loader, percentile, publish

from harness import RedisServer, create_event
from plenary.auth import issue_token
from plenary.messages import Role


def joiner(urls: list[str], tokens: list[str], spread_s: float, go: Any, results: Any) -> None:
    import uvloop

    go.wait()
    results.put(uvloop.run(_storm(urls, tokens, spread_s)))


async def _storm(urls: list[str], tokens: list[str], spread_s: float) -> list[float]:
    loop = asyncio.get_running_loop()
    start = time.monotonic()

    async def one(i: int) -> float:
        await asyncio.sleep(max(0.0, start + spread_s * i / len(tokens) - time.monotonic()))
        host, port = urls[i % len(urls)].split("//")[1].split("/")[0].split(":")
        replied = loop.create_future()

        def on_text(payload: bytes) -> None:
            if b'"id":2' in payload and not replied.done():
                replied.set_result(time.monotonic())

        began = time.monotonic()
        _, proto = await loop.create_connection(lambda: LeanClient(host, int(port), on_text),
                                                host, int(port))
        await proto.open
        proto.send_text(json.dumps({"id": 1, "type": "hello", "data": {"token": tokens[i]}}))
        proto.send_text(json.dumps({"id": 2, "type": "session.join",
                                    "data": {"session": "opening", "mode": "remote"}}))
        took = await asyncio.wait_for(replied, 60) - began
        proto.transport.close()
        return took * 1000

    return list(await asyncio.gather(*[one(i) for i in range(len(tokens))]))


def run(args: argparse.Namespace, servers: list[Any], event_id: str) -> dict[str, float]:
    urls = [s.ws for s in servers]
    token = issue_token
    listeners = [token(SECRET, event=event_id, name=f"l{i}", role=Role.attendee, ttl_s=3600)
                 for i in range(args.listeners)]
    joiners = [token(SECRET, event=event_id, name=f"j{i}", role=Role.attendee, ttl_s=3600)
               for i in range(args.joiners)]
    events = int(args.rate * (args.spread + 3))
    ctx = mp.get_context("fork")
    sent = ctx.Array("d", events, lock=False)
    ready, go, results, joined = ctx.Semaphore(0), ctx.Event(), ctx.Queue(), ctx.Queue()
    listening = ctx.Process(target=loader, args=(urls, listeners, events, sent, ready, go,
                                                 results))
    storming = ctx.Process(target=joiner, args=(urls, joiners, args.spread, go, joined))
    listening.start()
    storming.start()
    ready.acquire()
    go.set()
    moderator = token(SECRET, event=event_id, name="mod", role=Role.moderator, ttl_s=3600)
    asyncio.run(publish(urls[0], moderator, events, args.rate, sent))
    heard, times = results.get(), sorted(joined.get())
    listening.join()
    storming.join()
    return {"join_p50": times[len(times) // 2], "join_p99": times[int(len(times) * .99)],
            "listen_p99": percentile(heard["histogram"], .99),
            "lost": events * args.listeners - heard["received"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--joiners", type=int, default=1000)
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10, help="events per second")
    parser.add_argument("--spread", type=float, default=5, help="seconds the joins span")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    redis = RedisServer()
    redis.start()
    mine, floor = [], []
    try:
        for _ in range(args.runs):
            servers = [Server(redis.url, env={"PLENARY_COMMAND_LIMIT_PER_S": "100000"}).start()
                       for _ in range(args.workers)]
            try:
                mine.append(run(args, servers, create_event(servers[0]).id))
            finally:
                for s in servers:
                    s.stop()
            floors = [Floor(redis.url, 235).start() for _ in range(args.workers)]
            try:
                floor.append(run(args, floors, "floor"))
            finally:
                for f in floors:
                    f.stop()
    finally:
        redis.stop()
    print(f"\n{args.joiners} joins within {args.spread:g} s, {args.listeners} listeners at "
          f"{args.rate:g} events/s, {args.workers} processes; medians of {args.runs} runs")
    print("| | join p50 ms | join p99 ms | listeners' p99 ms | lost |\n|---|---|---|---|---|")
    for name, results in (("Plenary", mine), ("floor", floor)):
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        print(f"| {name} | {med['join_p50']:.1f} | {med['join_p99']:.1f} | "
              f"{med['listen_p99']:.1f} | {med['lost']:.0f} |")
    ratio = {k: statistics.median(r[k] for r in mine) / max(1e-9, statistics.median(
        r[k] for r in floor)) for k in ("join_p50", "join_p99", "listen_p99")}
    print(f"| **ratio** | {ratio['join_p50']:.2f} | {ratio['join_p99']:.2f} | "
          f"{ratio['listen_p99']:.2f} | |")


if __name__ == "__main__":
    main()
