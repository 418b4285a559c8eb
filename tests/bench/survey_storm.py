"""Survey storm: N respondents over W Plenary processes on one Redis answer a 10-question
survey within S seconds: each saves half of it first, then submits the rest.

    .venv/bin/python tests/bench/survey_storm.py --clients 1000 --workers 2
    .venv/bin/python tests/bench/survey_storm.py --clients 200          # a quick check

It starts its own redis-server and W `python -m plenary` processes, has a moderator create
and open a 10-question survey (scales, choices, a rating, a ranking, free text) with live
results, connects N respondents spread over the processes (half in the room) from L
load-generator processes, and has each one `survey.save` five answers and then
`survey.submit` the other five, the submissions spread over `--spread` seconds. Right after
the last submission's `ok`, the moderator closes the survey. Printed:

- saves and submissions acknowledged `ok` / N, and the time the storm took (target: all
  within 30 s);
- the final results against the expected ones, question by question (every answer counted
  once: respondents, each question's answers, each option's count, by_mode too);
- last submission ok → every client holds the exact final `survey.results`;
- `survey.results` events per client during the storm (coalesced: a few per second per
  survey per process, whatever the submission rate);
- CPU seconds of the server processes and of Redis during the storm.

The script is not collected by pytest (no `test_` prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import websockets
from vote_storm import Go, Member, cpu_seconds, mode_of

from harness import SECRET, Client, RedisServer, Server, create_event
from plenary.auth import issue_token
from plenary.messages import Role

SESSION = "opening"
OPTIONS = ["Resilience", "Flexibility", "Wellbeing", "Trust"]
QUESTIONS = [
    *({"title": f"Scale {i}", "kind": "scale", "scale": 5,
       "labels": ["not at all", "", "", "", "completely"]} for i in range(3)),
    *({"title": f"Single {i}", "kind": "single", "options": OPTIONS} for i in range(2)),
    *({"title": f"Multiple {i}", "kind": "multiple", "options": OPTIONS} for i in range(2)),
    {"title": "Rating", "kind": "rating", "scale": 10},
    {"title": "Ranking", "kind": "ranking", "options": OPTIONS[:3]},
    {"title": "Anything else?", "kind": "text"},
]


def answers_of(index: int) -> dict[str, dict[str, Any]]:
    """Respondent `index`'s known answers to q1..q10."""
    return {
        "q1": {"rating": 1 + index % 5}, "q2": {"rating": 1 + index % 3},
        "q3": {"rating": 5 - index % 2}, "q4": {"choices": [index % 4]},
        "q5": {"choices": [(index * 7) % 4]}, "q6": {"choices": sorted({index % 4, 3})},
        "q7": {"choices": [0, 1] if index % 2 else [2]}, "q8": {"rating": 1 + index % 10},
        "q9": {"ranking": [index % 3, (index + 1) % 3, (index + 2) % 3]},
        "q10": {"text": f"Idea {index % 5}"},
    }


class Respondent(Member):
    def _take(self, item: dict[str, Any]) -> None:
        super()._take(item)  # replies, and the seq check of every event
        if item["type"] == "survey.results":
            self.results_events += 1
            if item["data"].get("final") and self.final is None:
                self.final, self.final_at = item["data"], time.time()
                self.got_final.set()


async def enter(url: str, token: str, mode: str) -> Respondent:
    ws = await websockets.connect(url, max_size=2**22, compression=None, open_timeout=60)
    member = Respondent(ws)
    for command_id, kind, data in ((1, "hello", {"token": token}),
                                   (2, "session.join", {"session": SESSION, "mode": mode})):
        reply = await member.call(command_id, kind, data)
        assert reply["type"] == "ok", reply
    return member


def loader(people: list[tuple[int, str, str]], survey: str, n: int, spread: float, ready: Any,
           start_at: Any, done_q: Any, finals: Any) -> None:
    asyncio.run(_load(people, survey, n, spread, ready, start_at, done_q, finals))


async def _load(people: list[tuple[int, str, str]], survey: str, n: int, spread: float,
                ready: Any, start_at: Any, done_q: Any, finals: Any) -> None:
    gate = asyncio.Semaphore(50)

    async def one(person: tuple[int, str, str]) -> Respondent:
        async with gate:
            return await enter(person[2], person[1], mode_of(person[0]))

    members = await asyncio.gather(*(one(p) for p in people))
    ready.put(len(members))
    await asyncio.to_thread(start_at.wait)

    async def answer(index: int, member: Respondent) -> tuple[str, str, float, float]:
        await asyncio.sleep(max(0.0, start_at.value + spread * index / n - time.time()))
        mine = answers_of(index)
        first = {k: mine[k] for k in list(mine)[:5]}
        rest = {k: mine[k] for k in list(mine)[5:]}
        began = time.time()
        saved = await member.call(3, "survey.save", {"survey": survey, "answers": first})
        sent = await member.call(4, "survey.submit", {"survey": survey, "answers": rest})
        outcome = lambda r: "ok" if r["type"] == "ok" else r["error"]["code"]  # noqa: E731
        return outcome(saved), outcome(sent), began, time.time()

    acks = await asyncio.gather(*(answer(p[0], m) for p, m in zip(people, members, strict=True)))
    done_q.put({"saves": [a[0] for a in acks], "submits": [a[1] for a in acks],
                "first": min(a[2] for a in acks), "last_ack": max(a[3] for a in acks),
                "results_events": [m.results_events for m in members]})
    try:
        await asyncio.wait_for(asyncio.gather(*(m.got_final.wait() for m in members)), 60)
    except TimeoutError:
        pass
    held = [m.final for m in members]
    finals.put({"missing": sum(h is None for h in held),
                "distinct": len({json.dumps(h, sort_keys=True) for h in held if h}),
                "final": next((h for h in held if h), None),
                "last_final": max((m.final_at for m in members), default=0.0),
                "gaps": sum(m.gaps for m in members)})
    for m in members:
        await m.ws.close()


def expected_counts(n: int) -> dict[str, Any]:
    """Per question: answers, and per mode answers, from the known answers."""
    per: dict[str, Any] = {f"q{i + 1}": {"votes": 0, "in_room": 0, "remote": 0}
                           for i in range(10)}
    options: dict[str, list[int]] = {q: [0] * 4 for q in ("q4", "q5", "q6", "q7")}
    for i in range(n):
        for qid, answer in answers_of(i).items():
            per[qid]["votes"] += 1
            per[qid][mode_of(i)] += 1
            for choice in answer.get("choices", []):
                options[qid][choice] += 1
    return {"per": per, "options": options}


def check(final: dict[str, Any], n: int) -> list[str]:
    want = expected_counts(n)
    wrong = []
    if final.get("respondents") != n:
        wrong.append(f"respondents {final.get('respondents')} != {n}")
    for i, q in enumerate(final.get("questions", [])):
        qid = f"q{i + 1}"
        expect = want["per"][qid]
        got = (q["votes"], q["by_mode"]["in_room"]["votes"], q["by_mode"]["remote"]["votes"])
        if got != (expect["votes"], expect["in_room"], expect["remote"]):
            wrong.append(f"{qid}: {got} != {expect}")
        if qid in want["options"] and q["tally"] != want["options"][qid]:
            wrong.append(f"{qid} tally {q['tally']} != {want['options'][qid]}")
    return wrong


async def run(args: argparse.Namespace) -> int:
    redis = RedisServer()
    redis.start()
    servers = [Server(redis.url).start() for _ in range(args.workers)]
    procs: list[Any] = []
    try:
        event = create_event(servers[0])
        mod = await Client.connect(servers[0], event.token("moderator", "Moderator"))
        await mod.join(SESSION)
        survey = (await mod.call("survey.create", {
            "session": SESSION, "title": "Daily pulse", "questions": QUESTIONS,
            "results": "live"}))["survey"]
        await mod.call("survey.open", {"survey": survey["id"]})
        people = [(i, issue_token(SECRET, event=event.id, name=f"Respondent {i}",
                                  role=Role.attendee, ttl_s=3600),
                   servers[i % len(servers)].ws) for i in range(args.clients)]
        ctx = mp.get_context("spawn")
        ready, done_q, finals = ctx.Queue(), ctx.Queue(), ctx.Queue()
        start_at = Go(ctx)
        for k in range(args.loaders):
            proc = ctx.Process(target=loader, args=(people[k::args.loaders], survey["id"],
                                                    args.clients, args.spread, ready, start_at,
                                                    done_q, finals))
            proc.start()
            procs.append(proc)
        connected = sum(ready.get(timeout=300) for _ in procs)
        assert redis.proc is not None
        pids = [s.proc.pid for s in servers if s.proc] + [redis.proc.pid]
        cpu0 = [cpu_seconds(p) for p in pids]
        start_at.set(time.time() + 0.3)
        storm = [done_q.get(timeout=300) for _ in procs]
        last_ack = max(s["last_ack"] for s in storm)
        await mod.call("survey.close", {"survey": survey["id"]}, timeout=60)
        closed_at = time.time()
        cpu1 = [cpu_seconds(p) for p in pids]
        done = [finals.get(timeout=300) for _ in procs]
        final = next((d["final"] for d in done if d["final"]), None) or {}
        wrong = check(final, args.clients)
        saves = [o for s in storm for o in s["saves"]]
        submits = [o for s in storm for o in s["submits"]]
        events = sorted(e for s in storm for e in s["results_events"])
        used = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
        storm_s = last_ack - min(s["first"] for s in storm)
        print(f"respondents connected    {connected} over {args.workers} processes, "
              f"{args.loaders} load generators, 10 questions each")
        print(f"saves ok                 {saves.count('ok')}/{args.clients}")
        print(f"submissions ok           {submits.count('ok')}/{args.clients} in {storm_s:.2f} s "
              f"(target 30 s; refused: {sorted(set(submits) - {'ok'}) or 'none'})")
        print(f"final results exact      {not wrong} {wrong[:3] if wrong else ''}")
        print(f"clients with final       {args.clients - sum(d['missing'] for d in done)}"
              f"/{args.clients}, distinct finals {max(d['distinct'] for d in done)}, "
              f"seq gaps {sum(d['gaps'] for d in done)}")
        print(f"last submit ok -> close ok {1000 * (closed_at - last_ack):.0f} ms; -> all hold "
              f"the final {1000 * (max(d['last_final'] for d in done) - last_ack):.0f} ms")
        print(f"survey.results per client during the storm  min {events[0]} median "
              f"{events[len(events) // 2]} max {events[-1]} (over {args.spread:.0f} s)")
        print(f"server CPU during the storm  {sum(used[:-1]):.2f} s "
              f"({', '.join(f'{u:.2f}' for u in used[:-1])}), redis {used[-1]:.2f} s")
        ok = not wrong and submits.count("ok") == args.clients and storm_s < 30
        return 0 if ok else 1
    finally:
        for proc in procs:
            proc.join(30)
        for server in servers:
            server.stop()
        redis.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="Plenary processes")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--spread", type=float, default=10.0,
                        help="seconds over which the submissions start")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
