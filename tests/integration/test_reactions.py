"""Reactions over real sockets: aggregated into at most one `reactions` event per second per
session, exact totals across processes, and a per-person limit across tabs and processes."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from harness import Client, Event, Server, create_event

KINDS = ("applause", "thumbs_up", "heart", "laugh", "surprise")


async def member(event: Event, token: str | None = None, server: Server | None = None,
                 session: str = "opening") -> Client:
    client = await Client.connect(server or event.server, token or event.token())
    await client.join(session)
    return client


async def totals(client: Client, expected: dict[str, int]) -> list[dict[str, Any]]:
    """Take `reactions` events until their counts add up to `expected`; return them, each
    with the time it was taken (as it arrived, when this runs while the reactions are sent)."""
    seen: dict[str, int] = dict.fromkeys(KINDS, 0)
    events = []
    while seen != {**dict.fromkeys(KINDS, 0), **expected}:
        got = await client.event("reactions")
        events.append({**got, "taken": time.monotonic()})
        for kind, n in got["data"]["counts"].items():
            seen[kind] += n
        assert all(seen[k] <= expected.get(k, 0) for k in KINDS), seen
    return events


async def test_reactions_arrive_added_up_not_one_event_each(event: Event) -> None:
    watcher, *senders = [await member(event) for _ in range(4)]
    for sender in senders:
        for kind in ("applause", "applause", "heart"):
            assert await sender.call("reaction.send", {"session": "opening", "kind": kind}) == {}
    events = await totals(watcher, {"applause": 6, "heart": 3})
    assert len(events) <= 2  # nine reactions, one or two ticks
    assert events[0]["data"]["session"] == "opening"
    assert set(events[0]["data"]["counts"]) == set(KINDS)
    for c in (watcher, *senders):
        await c.close()


async def test_a_reaction_needs_a_known_kind_and_the_session_joined(event: Event) -> None:
    client = await member(event)
    assert await client.error("reaction.send", {"session": "opening", "kind": "boo"}) \
        == "bad_request"
    assert await client.error("reaction.send", {"session": "open-floor", "kind": "heart"}) \
        == "forbidden"
    await client.close()


async def test_events_are_a_second_apart_and_totals_exact_across_processes(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    watchers = [await member(event, server=srv) for srv in (a, b)]
    senders = [await member(event, server=srv) for srv in (a, b, a, b)]

    async def react(client: Client, n: int) -> None:
        for i in range(n):
            await client.call("reaction.send", {"session": "opening", "kind": KINDS[i % 5]})
            await asyncio.sleep(0.1)  # a person reacting for 1.5 s, not a burst

    watching = [asyncio.create_task(totals(w, dict.fromkeys(KINDS, 12))) for w in watchers]
    await asyncio.gather(*(react(s, 15) for s in senders))
    for events in await asyncio.gather(*watching):
        taken = [e["taken"] for e in events]
        gaps = [later - earlier for earlier, later in itertools.pairwise(taken)]
        assert len(events) >= 2 and all(gap > 0.8 for gap in gaps), gaps  # 1/s, less jitter
    for c in (*watchers, *senders):
        await c.close()


async def test_the_limit_is_per_person_across_tabs_and_processes(
        cluster: tuple[Server, Server]) -> None:
    """30 per 10-second window (the default): each process learns the person's count on the
    other processes at its next flush (a `reactions` event shows that it happened)."""
    a, b = cluster
    event = create_event(a)
    token = event.token()
    on_a, on_b = await member(event, token, a), await member(event, token, b)
    watcher = await member(event, server=a)
    if time.time() % 10 > 5:  # the limit's window is fixed (10 s): start early in one
        await asyncio.sleep(10 - time.time() % 10)
    heart = {"session": "opening", "kind": "heart"}
    for _ in range(30):
        await on_a.call("reaction.send", heart)
    assert await on_a.error("reaction.send", heart) == "rate_limited"
    await totals(watcher, {"heart": 30})  # a's count reached the shared one
    await on_b.call("reaction.send", heart)  # b has not synced this person yet
    await totals(watcher, {"heart": 1})  # now it has: 31 in this window
    assert await on_b.error("reaction.send", heart) == "rate_limited"
    other = await member(event, server=b)  # someone else is not limited
    await other.call("reaction.send", heart)
    for c in (on_a, on_b, watcher, other):
        await c.close()
