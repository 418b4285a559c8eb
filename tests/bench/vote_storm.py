"""Vote storm: N attendees over W Plenary processes on one Redis vote within about a second.

    .venv/bin/python tests/bench/vote_storm.py --clients 1000 --workers 2
    .venv/bin/python tests/bench/vote_storm.py --clients 200          # a quick check

It starts its own redis-server and W `python -m plenary` processes (tests/harness.py), has a
moderator create and open a single-choice poll, connects N attendees spread over the
processes (half in the room, half remote) from L load-generator processes, and has every
attendee vote once, the votes spread evenly over `--spread` seconds. Right after the last
vote's `ok`, the moderator closes the poll. Printed:

- votes acknowledged `ok` / N (nothing may be refused or lost);
- the final tally against the expected one (exact, by_mode too);
- **last vote ok → every client holds the exact final `poll.results`** (the target: < 1 s),
  and last vote ok → the close's reply;
- `poll.results` events per client during the storm (coalescing: a few per second per poll
  per process, whatever the vote rate);
- CPU seconds of the server processes (and of Redis) from the first vote to the last final
  result, from /proc/<pid>/stat (utime + stime).

Everything runs on this machine, the load generators included. The script is not collected
by pytest (no `test_` prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import SECRET, Client, RedisServer, Server, create_event
from plenary.auth import issue_token
from plenary.messages import Role

SESSION = "opening"
OPTIONS = ["Resilience", "Flexibility", "Wellbeing", "Trust"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def choice_of(index: int) -> int:
    return (0, 0, 1, 2, 0, 3, 1)[index % 7]  # an uneven, known spread


def mode_of(index: int) -> str:
    return "in_room" if index % 2 else "remote"


# -- one attendee ----------------------------------------------------------------------------------
class Member:
    """A lean protocol client: replies by id, and the moment the final result arrived."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.results_events = 0
        self.final: dict[str, Any] | None = None
        self.final_at = 0.0
        self.got_final = asyncio.Event()
        self.seqs: dict[str, int] = {}
        self.gaps = 0
        self.reader = asyncio.create_task(self._read())

    async def call(self, command_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        future = asyncio.get_running_loop().create_future()
        self.replies[command_id] = future
        await self.ws.send(json.dumps({"id": command_id, "type": kind, "data": data}))
        return await asyncio.wait_for(future, 60)

    async def _read(self) -> None:
        async for frame in self.ws:
            message = json.loads(frame)
            for item in message if isinstance(message, list) else [message]:
                self._take(item)

    def _take(self, item: dict[str, Any]) -> None:
        if item["type"] in ("ok", "error"):
            if item["type"] == "ok" and "topics" in item["data"]:
                self.seqs.update(item["data"]["topics"])
            future = self.replies.pop(item["id"], None)
            if future is not None and not future.done():
                future.set_result(item)
            return
        topic, seq = item.get("topic"), item.get("seq")
        if topic is not None and seq is not None:
            self.gaps += topic in self.seqs and seq != self.seqs[topic] + 1
            self.seqs[topic] = seq
        if item["type"] == "poll.results":
            self.results_events += 1
            if item["data"].get("final") and self.final is None:
                self.final, self.final_at = item["data"], time.time()
                self.got_final.set()


async def enter(url: str, token: str, mode: str) -> Member:
    ws = await websockets.connect(url, max_size=2**22, compression=None, open_timeout=60)
    member = Member(ws)
    for command_id, kind, data in ((1, "hello", {"token": token}),
                                   (2, "session.join", {"session": SESSION, "mode": mode})):
        reply = await member.call(command_id, kind, data)
        assert reply["type"] == "ok", reply
    return member


class Go:
    """The start time of the storm, shared with the load generators, which wait for it."""

    def __init__(self, ctx: Any) -> None:
        self._at, self._set = ctx.Value("d", 0.0), ctx.Event()

    def set(self, at: float) -> None:
        self._at.value = at
        self._set.set()

    def wait(self) -> None:
        self._set.wait()

    @property
    def value(self) -> float:
        return float(self._at.value)


# -- load generator processes ----------------------------------------------------------------------
def loader(people: list[tuple[int, str, str]], poll: str, n: int, spread: float, ready: Any,
           start_at: Any, voted: Any, finals: Any) -> None:
    asyncio.run(_load(people, poll, n, spread, ready, start_at, voted, finals))


async def _load(people: list[tuple[int, str, str]], poll: str, n: int, spread: float,
                ready: Any, start_at: Any, voted: Any, finals: Any) -> None:
    gate = asyncio.Semaphore(50)

    async def one(person: tuple[int, str, str]) -> Member:
        async with gate:
            return await enter(person[2], person[1], mode_of(person[0]))

    members = await asyncio.gather(*(one(p) for p in people))
    ready.put(len(members))
    await asyncio.to_thread(start_at.wait)

    async def vote(index: int, member: Member) -> tuple[str, float]:
        await asyncio.sleep(max(0.0, start_at.value + spread * index / n - time.time()))
        reply = await member.call(3, "poll.vote", {"poll": poll, "choices": [choice_of(index)]})
        outcome = "ok" if reply["type"] == "ok" else reply["error"]["code"]
        return outcome, time.time()

    acks = await asyncio.gather(*(vote(p[0], m) for p, m in zip(people, members, strict=True)))
    during = [m.results_events for m in members]
    voted.put({"outcomes": [a[0] for a in acks], "last_ack": max(a[1] for a in acks),
               "first_ack": min(a[1] for a in acks), "results_events": during})
    try:
        await asyncio.wait_for(asyncio.gather(*(m.got_final.wait() for m in members)), 60)
    except TimeoutError:
        pass
    held = [m.final for m in members]
    finals.put({"missing": sum(h is None for h in held),
                "distinct": sorted({json.dumps(h, sort_keys=True) for h in held if h}),
                "final": next((h for h in held if h), None),
                "last_final": max((m.final_at for m in members), default=0.0),
                "gaps": sum(m.gaps for m in members)})
    for m in members:
        await m.ws.close()


# -- the run ---------------------------------------------------------------------------------------
def expected(n: int) -> dict[str, Any]:
    tally, by_mode = [0] * len(OPTIONS), {"in_room": [0] * len(OPTIONS),
                                          "remote": [0] * len(OPTIONS)}
    for i in range(n):
        tally[choice_of(i)] += 1
        by_mode[mode_of(i)][choice_of(i)] += 1
    return {"votes": n, "tally": tally,
            "by_mode": {m: {"votes": sum(t), "tally": t, "suppressed": False}
                        for m, t in by_mode.items()}}


async def run(args: argparse.Namespace) -> int:
    redis = RedisServer()
    redis.start()
    servers = [Server(redis.url).start() for _ in range(args.workers)]
    procs: list[Any] = []
    try:
        event = create_event(servers[0])
        mod = await Client.connect(servers[0], event.token("moderator", "Moderator"))
        await mod.join(SESSION)
        poll = (await mod.call("poll.create", {"session": SESSION, "title": "What matters most?",
                                               "kind": "single", "options": OPTIONS}))["poll"]
        await mod.call("poll.open", {"poll": poll["id"]})
        people = [(i, issue_token(SECRET, event=event.id, name=f"Attendee {i}",
                                  role=Role.attendee, ttl_s=3600),
                   servers[i % len(servers)].ws) for i in range(args.clients)]
        ctx = mp.get_context("spawn")
        ready, voted, finals = ctx.Queue(), ctx.Queue(), ctx.Queue()
        start_at = Go(ctx)
        for k in range(args.loaders):
            proc = ctx.Process(target=loader, args=(people[k::args.loaders], poll["id"],
                                                    args.clients, args.spread, ready, start_at,
                                                    voted, finals))
            proc.start()
            procs.append(proc)
        connected = sum(ready.get(timeout=300) for _ in procs)
        pids = [s.proc.pid for s in servers if s.proc]
        assert redis.proc is not None
        cpu0 = [cpu_seconds(p) for p in [*pids, redis.proc.pid]]
        start_at.set(time.time() + 0.3)
        storm = [voted.get(timeout=300) for _ in procs]
        last_ack = max(s["last_ack"] for s in storm)
        await mod.call("poll.close", {"poll": poll["id"]}, timeout=60)
        closed_at = time.time()
        done = [finals.get(timeout=300) for _ in procs]
        cpu1 = [cpu_seconds(p) for p in [*pids, redis.proc.pid]]
        report(args, connected, storm, done, last_ack, closed_at, cpu0, cpu1)
        return 0 if all(d["missing"] == 0 and d["final"] for d in done) else 1
    finally:
        for proc in procs:
            proc.join(30)
        for server in servers:
            server.stop()
        redis.stop()


def report(args: argparse.Namespace, connected: int, storm: list[dict[str, Any]],
           done: list[dict[str, Any]], last_ack: float, closed_at: float, cpu0: list[float],
           cpu1: list[float]) -> None:
    outcomes = [o for s in storm for o in s["outcomes"]]
    events = sorted(e for s in storm for e in s["results_events"])
    final = next((d["final"] for d in done if d["final"]), None) or {}
    want = expected(args.clients)
    exact = all(final.get(k) == v for k, v in want.items())
    storm_s = max(s["last_ack"] for s in storm) - min(s["first_ack"] for s in storm)
    last_final = max(d["last_final"] for d in done)
    used = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    print(f"clients connected        {connected} over {args.workers} processes, "
          f"{args.loaders} load generators")
    print(f"votes ok                 {outcomes.count('ok')}/{args.clients} in {storm_s:.2f} s "
          f"(refused: {sorted(set(o for o in outcomes if o != 'ok')) or 'none'})")
    print(f"final result exact       {exact}: votes {final.get('votes')}, tally "
          f"{final.get('tally')} (expected {want['tally']})")
    print(f"clients with final       {args.clients - sum(d['missing'] for d in done)}"
          f"/{args.clients}, distinct finals {len({f for d in done for f in d['distinct']})}, "
          f"seq gaps {sum(d['gaps'] for d in done)}")
    print(f"last vote ok -> close ok {1000 * (closed_at - last_ack):.0f} ms")
    print(f"last vote ok -> all hold the final result  {1000 * (last_final - last_ack):.0f} ms")
    print(f"poll.results per client during the storm   min {events[0]} median "
          f"{events[len(events) // 2]} max {events[-1]}")
    print(f"server CPU (storm to last final)  {sum(used[:-1]):.2f} s "
          f"({', '.join(f'{u:.2f}' for u in used[:-1])}), redis {used[-1]:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="Plenary processes")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the votes span")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
