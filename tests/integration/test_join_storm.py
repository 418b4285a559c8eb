"""Join storms: many joins share one snapshot build per change, answer exactly what an
uncached join answers, and one user's connections and joins are budgeted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from harness import (
    SECRET,
    Client,
    Event,
    RedisServer,
    Server,
    create_event,
    http,
)
from plenary.auth import issue_token
from plenary.messages import Role

S = "open-floor"
STORM = 40
PARTS = 5  # shared reads per snapshot: session+presence, questions, polls, breakout, media


def builds(server: Server) -> int:
    _, text = http("GET", server.http + "/metrics", raw=True)
    body = text.decode() if isinstance(text, bytes) else str(text)
    found = re.search(r"^plenary_snapshot_builds_total (\S+)$", body, re.M)
    assert found, "the snapshot build counter is exported"
    return int(float(found.group(1)))


async def with_content(event: Event) -> Client:
    """A session with a question, a vote on it and an open poll; the moderator has seen it."""
    mod = await Client.connect(event.server, event.token("moderator"))
    await mod.join(S)
    asker = await Client.connect(event.server, event.token("attendee"))
    await asker.join(S)
    question = (await asker.call("qa.ask", {"session": S, "text": "Who keeps the seq?"}))
    await asker.call("qa.vote", {"question": question["question"]["id"], "up": True})
    poll = (await mod.call("poll.create", {"session": S, "title": "Lunch?", "kind": "single",
                                           "options": ["Yes", "No"]}))["poll"]
    await mod.call("poll.open", {"poll": poll["id"]})
    await mod.event("qa.votes")  # coalesced: the last change of the setup
    await asker.close()
    return mod


async def storm(server: Server, tokens: list[str]) -> tuple[list[Client], list[Any]]:
    clients = await asyncio.gather(*[Client.connect(server, t) for t in tokens])
    return clients, await asyncio.gather(*[c.join(S) for c in clients])


def tokens_for(event: Event, n: int) -> list[str]:
    return [issue_token(SECRET, event=event.id, name=f"storm-{i}", role=Role.attendee,
                        ttl_s=600) for i in range(n)]


async def test_a_storm_of_joins_builds_each_shared_read_once_per_change(event: Event) -> None:
    mod = await with_content(event)
    before = builds(event.server)
    clients, snapshots = await storm(event.server, tokens_for(event, STORM))
    versions = {tuple(sorted(s["topics"].items())) for s in snapshots}
    # Only presence events can move the session's seq meanwhile: one build per version.
    assert builds(event.server) - before <= PARTS * len(versions) < PARTS * STORM
    for snapshot in snapshots:
        assert [q["text"] for q in snapshot["questions"]] == ["Who keeps the seq?"]
        assert snapshot["questions"][0]["votes"] == 1
        assert [p["title"] for p in snapshot["polls"]] == ["Lunch?"]
    for client in [*clients, mod]:
        await client.close()


@pytest.fixture(scope="module")
def cached_and_not(redis_server: RedisServer) -> Iterator[tuple[Server, Server]]:
    """Two processes on one Redis, one without the snapshot cache; presence events are rare,
    so that nothing but the test's own changes moves a version."""
    quiet = {"PLENARY_PRESENCE_INTERVAL_S": "3600"}
    cached = Server(redis_server.url, env=quiet).start()
    uncached = Server(redis_server.url, env={**quiet, "PLENARY_SNAPSHOT_CACHE": "0"}).start()
    yield cached, uncached
    cached.stop()
    uncached.stop()


async def test_cached_joins_answer_what_an_uncached_join_answers(
        cached_and_not: tuple[Server, Server]) -> None:
    cached, uncached = cached_and_not
    event = create_event(cached)
    mod = await with_content(event)
    tokens = tokens_for(event, STORM)
    before = builds(cached)
    clients, snapshots = await storm(cached, tokens)
    assert builds(cached) - before == PARTS  # one version: each shared read ran once
    again, fresh = await storm(uncached, tokens)
    for hot, cold in zip(snapshots, fresh, strict=True):
        # Presence counts are the one thing a shared read may show as of its version: the
        # next presence event brings them up to date.
        assert {**hot, "presence": None} == {**cold, "presence": None}
    # After a change, the next joiner builds afresh and sees it.
    await mod.call("session.update", {"session": S, "live": True})
    late = await Client.connect(cached, tokens[0])
    assert (await late.join(S))["session"]["live"] is True
    assert builds(cached) - before == 2 * PARTS
    for client in [*clients, *again, late, mod]:
        await client.close()


async def test_one_user_has_a_bounded_number_of_connections(event: Event) -> None:
    token = event.token("attendee", "Many Tabs")
    tabs = [await Client.connect(event.server, token) for _ in range(10)]
    extra = await Client.connect(event.server)
    reply = await extra.request("hello", {"token": token})
    assert reply["type"] == "error" and reply["error"]["code"] == "rate_limited"
    assert extra.closed is not None
    assert (await asyncio.wait_for(extra.closed, 5))[0] == 1008  # not retried by clients
    await tabs.pop().close()
    tabs.append(await Client.connect(event.server, token))  # a slot is free again
    for tab in tabs:
        await tab.close()


async def test_a_reconnect_loop_runs_out_of_joins(event: Event) -> None:
    token = event.token("attendee", "Looping")
    refused = None
    for attempt in range(40):  # connect, join, drop, again: the budget outlives connections
        client = await Client.connect(event.server, token)
        reply = await client.request("session.join", {"session": S})
        await client.close()
        if reply["type"] == "error":
            refused = (attempt, reply["error"]["code"])
            break
    # 30 at once, and the bucket's refill (one per 2 s) for a test slowed by a busy machine.
    assert refused is not None and refused[1] == "rate_limited" and 30 <= refused[0] < 40
