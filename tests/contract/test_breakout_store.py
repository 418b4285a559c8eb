"""The breakout store's contract: the embedded store (in memory and on SQLite) and the Redis
store keep the same rules."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from plenary.features.breakouts import rules
from plenary.features.breakouts.store import STORE, BreakoutStore, Report
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> BreakoutStore:
    if request.param == "redis":
        request.getfixturevalue("redis_server").flush()  # these tests share the event "ev"
    return stores.open(STORE, request.param)


def make(session: str = "s", n: int = 2, **kw: object) -> rules.Breakout:
    return rules.new_breakout("ev", session, rules.room_names(n), "self", now=1.0,
                              **kw)  # type: ignore[arg-type]


async def opened(store: BreakoutStore, **kw: object) -> rules.Breakout:
    b = make(**kw)
    assert await store.create(b)
    new = rules.opened(b, 2.0)
    assert await store.replace(b, new)
    return new


async def test_create_stores_and_finds_by_id_room_and_session(store: BreakoutStore) -> None:
    b = make()
    assert await store.create(b)
    assert await store.get("ev", b.id) == b
    assert await store.current("ev", "s") == b
    assert await store.by_room("ev", b.rooms[1].id) == b
    assert await store.in_session("ev", "s") == [b]
    assert await store.get("ev", "nope") is None and await store.by_room("ev", "nope") is None
    assert await store.get("other-event", b.id) is None


async def test_one_breakout_per_session_until_it_closes(store: BreakoutStore) -> None:
    first = make()
    assert await store.create(first)
    assert not await store.create(make())
    assert await store.create(make(session="other"))
    assert await store.replace(first, rules.closed(first, 3.0))
    assert await store.current("ev", "s") is None
    second = make()
    assert await store.create(second)
    assert [b.id for b in await store.in_session("ev", "s")] == [first.id, second.id]


async def test_replace_is_compare_and_set_on_the_version(store: BreakoutStore) -> None:
    b = make()
    await store.create(b)
    one, other = rules.opened(b, 2.0), rules.closed(b, 2.0)
    results = await asyncio.gather(store.replace(b, one), store.replace(b, other))
    assert sorted(results) == [False, True]
    assert not await store.replace(b, rules.closed(b, 9.0))  # stale version
    unknown = make()
    assert not await store.replace(unknown, rules.opened(unknown, 2.0))


async def test_replace_may_seat_everyone_at_once(store: BreakoutStore) -> None:
    b = make()
    await store.create(b)
    await store.place("ev", b.id, "old", "assign", b.rooms[0].id)
    where = {"a": b.rooms[0].id, "b": b.rooms[1].id}
    assert await store.replace(b, rules.opened(b, 2.0), where)
    assert await store.members("ev", b.id) == where


async def test_joining_respects_capacity_atomically(store: BreakoutStore) -> None:
    b = await opened(store, capacity=3)
    room = b.rooms[0].id
    placed = await asyncio.gather(*[store.place("ev", b.id, f"u{i}", "join", room, 3)
                                    for i in range(10)])
    assert sorted(p.status for p in placed).count("ok") == 3
    assert len(await store.members("ev", b.id)) == 3


async def test_a_move_reports_where_from_and_leaving_empties_the_seat(
        store: BreakoutStore) -> None:
    b = await opened(store)
    r1, r2 = b.rooms[0].id, b.rooms[1].id
    first = await store.place("ev", b.id, "a", "join", r1)
    assert (first.status, first.previous, first.room) == ("ok", None, r1)
    moved = await store.place("ev", b.id, "a", "join", r2)
    assert (moved.previous, moved.room) == (r1, r2)
    left = await store.place("ev", b.id, "a", "join", None)
    assert (left.status, left.previous, left.room) == ("ok", r2, None)
    assert await store.members("ev", b.id) == {}


async def test_nobody_joins_a_draft_or_closed_breakout_but_moderators_assign_drafts(
        store: BreakoutStore) -> None:
    b = make()
    await store.create(b)
    assert (await store.place("ev", b.id, "a", "join", b.rooms[0].id)).status == "closed"
    assert (await store.place("ev", b.id, "a", "assign", b.rooms[0].id)).status == "ok"
    closed = rules.closed(b, 2.0)
    await store.replace(b, closed)
    assert (await store.place("ev", b.id, "z", "assign", b.rooms[0].id)).status == "closed"
    assert await store.members("ev", b.id) == {"a": b.rooms[0].id}
    assert (await store.place("ev", "nope", "a", "join", "r")).status == "closed"


async def test_a_latecomer_takes_the_smallest_room_once(store: BreakoutStore) -> None:
    b = await opened(store, n=3)
    r1, r2, r3 = (r.id for r in b.rooms)
    for user, room in (("a", r1), ("b", r1), ("c", r2)):
        await store.place("ev", b.id, user, "assign", room)
    placed = await store.place("ev", b.id, "late", "smallest", None, None, [r1, r2, r3])
    assert (placed.status, placed.room) == ("ok", r3)
    again = await store.place("ev", b.id, "late", "smallest", None, None, [r1, r2])
    assert (again.status, again.room) == ("placed", r3)
    full = await store.place("ev", b.id, "x", "smallest", None, 1, [r1, r2, r3])
    assert (full.status, full.room) == ("full", None)


async def test_reports_are_kept_only_while_open(store: BreakoutStore) -> None:
    b = make()
    await store.create(b)
    report = Report("We agree.", "u1", "Ana", 5.0)
    room = b.rooms[0].id
    assert not await store.set_report("ev", b.id, room, report)
    opened_b = rules.opened(b, 2.0)
    await store.replace(b, opened_b)
    assert await store.set_report("ev", b.id, room, report)
    edited = msgspec.structs.replace(report, text="We mostly agree.")
    assert await store.set_report("ev", b.id, room, edited)
    await store.replace(opened_b, rules.closed(opened_b, 3.0))
    assert not await store.set_report("ev", b.id, room, report)
    assert await store.reports("ev", b.id) == {room: edited}


async def test_people_are_remembered_per_event(store: BreakoutStore) -> None:
    await store.remember("ev", "u1", "Ana", "attendee")
    await store.remember("ev", "u1", "Ana B.", "attendee")
    await store.remember("other", "u2", "Bo", "moderator")
    people = await store.people("ev")
    assert list(people) == ["u1"] and people["u1"].name == "Ana B."
    assert (await store.people("other"))["u2"].role == "moderator"
    assert list(await store.people("ev", ["u1", "unknown"])) == ["u1"]
    assert await store.people("ev", []) == {}


async def test_the_sqlite_store_reopens_with_everything_acknowledged(stores: Stores) -> None:
    store = stores.open(STORE, "sqlite")
    b = await opened(store)
    await store.place("ev", b.id, "a", "join", b.rooms[0].id)
    await store.place("ev", b.id, "b", "join", b.rooms[1].id)
    await store.set_report("ev", b.id, b.rooms[0].id, Report("We agree.", "a", "Ana", 5.0))
    await store.remember("ev", "a", "Ana", "attendee")
    again = stores.reopen(STORE)
    assert await again.current("ev", "s") == b
    assert await again.by_room("ev", b.rooms[1].id) == b
    assert await again.members("ev", b.id) == {"a": b.rooms[0].id, "b": b.rooms[1].id}
    assert list(await again.reports("ev", b.id)) == [b.rooms[0].id]
    assert (await again.people("ev"))["a"].name == "Ana"
    assert await again.replace(b, rules.closed(b, 3.0))
    later = stores.reopen(STORE)
    assert await later.current("ev", "s") is None
    assert [x.state for x in await later.in_session("ev", "s")] == ["closed"]
