"""The poll store's contract: the embedded store and Redis behave alike."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from harness import RedisServer
from plenary.features.polls.rules import Poll
from plenary.features.polls.store import STORE, Ballot, PollStore, RedisPollStore
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> PollStore:
    return stores.open(STORE, request.param)



def poll(pid: str = "p1", state: str = "draft", **fields: Any) -> Poll:
    return Poll(id=pid, session="opening", title="Zoë's poll", kind="single",
                options=["A", "B", "C"], state=state, created_at=len(pid), **fields)  # type: ignore[arg-type]


async def opened(store: PollStore, ev: str, **fields: Any) -> Poll:
    draft = poll(**fields)
    await store.create(ev, draft)
    now = msgspec.structs.replace(draft, state="open")
    assert await store.move(ev, now, "draft", drop_ballots=False) == "moved"
    return now


def ballot(voter: str, *items: str, mode: str = "remote",
           record: dict[str, Any] | None = None) -> Ballot:
    return Ballot(voter, mode, list(items), record)


async def test_create_get_and_list_in_order(store: PollStore, ev: str) -> None:
    for pid in ("p1", "p22", "p333"):
        await store.create(ev, poll(pid))
    assert await store.get(ev, "p22") == poll("p22")
    assert [p.id for p in await store.of_session(ev, "opening")] == ["p1", "p22", "p333"]
    assert await store.of_session(ev, "other") == []
    assert await store.get(ev, "nope") is None


async def test_move_only_from_the_expected_state(store: PollStore, ev: str) -> None:
    now = await opened(store, ev)
    closed = msgspec.structs.replace(now, state="closed")
    assert await store.move(ev, closed, "draft", drop_ballots=False) == "open"
    assert await store.move(ev, closed, "open", drop_ballots=False) == "moved"
    assert await store.get(ev, "p1") == closed
    assert await store.move(ev, closed, "open", drop_ballots=False) == "closed"
    assert await store.move(ev, poll("zz"), "draft", drop_ballots=False) == "not_found"


async def test_votes_only_while_open(store: PollStore, ev: str) -> None:
    await store.create(ev, poll())
    assert await store.vote(ev, "p1", ballot("u1", "o:0"), False) == "poll_closed"
    assert await store.vote(ev, "nope", ballot("u1", "o:0"), False) == "not_found"
    now = await opened(store, ev, pid="p2")
    assert await store.vote(ev, now.id, ballot("u1", "o:0"), False) == "ok"
    await store.move(ev, msgspec.structs.replace(now, state="closed"), "open", False)
    assert await store.vote(ev, now.id, ballot("u2", "o:0"), False) == "poll_closed"
    _, counters = await store.counts(ev, now.id)
    assert counters == {"in_room": {}, "remote": {"votes": 1, "o:0": 1}}


async def test_one_vote_per_voter(store: PollStore, ev: str) -> None:
    await opened(store, ev)
    assert await store.vote(ev, "p1", ballot("u1", "o:0", "o:2", mode="in_room"), False) == "ok"
    assert await store.vote(ev, "p1", ballot("u1", "o:1"), False) == "already_voted"
    assert await store.vote(ev, "p1", ballot("u2", "o:2"), False) == "ok"
    found, counters = await store.counts(ev, "p1")
    assert found is not None and found.state == "open"
    assert counters == {"in_room": {"votes": 1, "o:0": 1, "o:2": 1},
                        "remote": {"votes": 1, "o:2": 1}}
    assert await store.voted(ev, [("p1", "u1"), ("p1", "u3"), ("zz", "u1")]) == \
        [True, False, False]
    assert await store.records(ev, "p1") == []  # nothing kept: no link voter -> choice


async def test_concurrent_identical_votes_count_once(store: PollStore, ev: str) -> None:
    await opened(store, ev)
    outcomes = await asyncio.gather(*(store.vote(ev, "p1", ballot(f"u{i % 20}", "o:1"), False)
                                      for i in range(100)))
    assert sorted(set(outcomes)) == ["already_voted", "ok"]
    assert outcomes.count("ok") == 20
    _, counters = await store.counts(ev, "p1")
    assert counters["remote"] == {"votes": 20, "o:1": 20}


async def test_a_changed_vote_replaces_the_first_exactly(store: PollStore, ev: str) -> None:
    await opened(store, ev, allow_change=True)
    first = {"mode": "in_room", "items": ["o:0", "o:1"]}
    second = {"mode": "remote", "items": ["o:2"]}
    assert await store.vote(ev, "p1", ballot("u1", "o:0", "o:1", mode="in_room",
                                             record=first), True) == "ok"
    assert await store.vote(ev, "p1", ballot("u2", "o:1", record=second | {"items": ["o:1"]}),
                            True) == "ok"
    assert await store.vote(ev, "p1", ballot("u1", "o:2", record=second), True) == "replaced"
    _, counters = await store.counts(ev, "p1")
    assert counters == {"in_room": {}, "remote": {"votes": 2, "o:1": 1, "o:2": 1}}


async def test_closing_can_drop_the_ballot_records(store: PollStore, ev: str) -> None:
    now = await opened(store, ev, allow_change=True)
    record = {"mode": "remote", "items": ["o:0"]}
    await store.vote(ev, "p1", ballot("u1", "o:0", record=record), True)
    assert await store.records(ev, "p1") == [record]
    await store.move(ev, msgspec.structs.replace(now, state="closed"), "open", True)
    assert await store.records(ev, "p1") == []
    assert await store.voted(ev, [("p1", "u1")]) == [True]  # who voted stays; what, not


async def test_named_records_are_kept_in_voter_order(store: PollStore, ev: str) -> None:
    await opened(store, ev, anonymous=False)
    for voter in ("u2", "u1"):
        record = {"user": voter, "name": f"Zoë {voter}", "mode": "remote", "items": ["o:0"],
                  "vote": {"choices": [0]}}
        await store.vote(ev, "p1", ballot(voter, "o:0", record=record), False)
    assert [r["name"] for r in await store.records(ev, "p1")] == ["Zoë u1", "Zoë u2"]


async def test_delete_removes_everything(store: PollStore, ev: str) -> None:
    now = await opened(store, ev)
    await store.vote(ev, "p1", ballot("u1", "o:0"), False)
    await store.delete(ev, now)
    assert await store.get(ev, "p1") is None
    assert await store.of_session(ev, "opening") == []
    assert await store.counts(ev, "p1") == (None, {"in_room": {}, "remote": {}})
    assert await store.voted(ev, [("p1", "u1")]) == [False]
    assert await store.vote(ev, "p1", ballot("u2", "o:0"), False) == "not_found"


async def test_redis_keeps_no_trace_of_voting_order(redis_server: RedisServer, ev: str) -> None:
    """Voters are listed in byte order, not in the order they voted, so that order cannot be
    matched with the order in which counters appeared."""
    import redis.asyncio as aioredis

    from plenary.features.polls.store import Keys

    client = aioredis.Redis.from_url(redis_server.url)
    store = RedisPollStore(client)
    await opened(store, ev)
    for voter, word in (("u3", "o:2"), ("u1", "o:0"), ("u2", "o:1")):
        await store.vote(ev, "p1", ballot(voter, word), False)
    assert await client.zrange(Keys.voters(ev, "p1"), 0, -1) == [b"u1", b"u2", b"u3"]
    assert await client.exists(Keys.records(ev, "p1")) == 0
    await client.aclose()


async def test_the_sqlite_store_reopens_with_everything_acknowledged(stores: Stores,
                                                                     ev: str) -> None:
    store = stores.open(STORE, "sqlite")
    now = await opened(store, ev, anonymous=False)
    await store.create(ev, poll("p22"))
    for voter in ("u1", "u2", "u3"):
        record = {"mode": "remote", "items": ["A"]}
        await store.vote(ev, "p1", ballot(voter, "A", record=record), allow_change=True)
    changed = ballot("u2", "B", mode="in_room", record={"mode": "in_room", "items": ["B"]})
    assert await store.vote(ev, "p1", changed, allow_change=True) == "replaced"
    before = (await store.counts(ev, "p1"), await store.records(ev, "p1"),
              await store.of_session(ev, "opening"))
    again = stores.reopen(STORE)
    after = (await again.counts(ev, "p1"), await again.records(ev, "p1"),
             await again.of_session(ev, "opening"))
    assert after == before and after[0][0] == now
    assert await again.voted(ev, [("p1", "u2"), ("p1", "u9")]) == [True, False]
    assert await again.vote(ev, "p1", ballot("u1", "C"), allow_change=False) == "already_voted"
    await again.delete(ev, now)
    assert await stores.reopen(STORE).get(ev, "p1") is None
