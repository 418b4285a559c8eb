"""The rules of breakouts, pure: names, states, assignment (spread, capacity, reuse,
latecomers, mixed/separate) and one person's move."""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest

from plenary.backends.base import Position
from plenary.backends.memory import MemoryBroker
from plenary.errors import Code, ProtocolError
from plenary.features.breakouts import rules
from plenary.features.breakouts.rooms import recent_messages
from plenary.features.breakouts.rules import Breakout, Room

KEY = "ev|room:r"


def make(n_rooms: int = 3, assign: rules.Assign = "auto", **kw: object) -> Breakout:
    return rules.new_breakout("ev", "s", rules.room_names(n_rooms), assign, now=100.0,
                              **kw)  # type: ignore[arg-type]


def people(in_room: int, remote: int) -> dict[str, str]:
    found = {f"i{n:03}": "in_room" for n in range(in_room)}
    found.update({f"r{n:03}": "remote" for n in range(remote)})
    return found


def sizes(assignment: dict[str, str]) -> list[int]:
    return sorted(Counter(assignment.values()).values())


# -- names and states -------------------------------------------------------------------------
def test_a_number_of_rooms_names_them_in_order() -> None:
    assert rules.room_names(3) == ["Room 1", "Room 2", "Room 3"]


def test_room_names_are_trimmed_and_must_be_unique() -> None:
    assert rules.room_names([" Ethics ", "Pay"]) == ["Ethics", "Pay"]
    for bad in (["A", "a"], [" "], [], ["x" * 61], 0, 51):
        with pytest.raises(ProtocolError) as caught:
            rules.room_names(bad)  # type: ignore[arg-type]
        assert caught.value.code is Code.bad_request


def test_room_ids_are_unique_and_valid_idents() -> None:
    ids = [r.id for _ in range(50) for r in make(3).rooms]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("r-") and len(i) <= 80 for i in ids)


def test_a_breakout_goes_draft_open_closed_and_never_back() -> None:
    b = make(2, duration_s=120)
    opened = rules.opened(b, 1000.0)
    assert (opened.state, opened.ends_at, opened.version) == ("open", 1120.0, 1)
    with pytest.raises(ProtocolError):
        rules.opened(opened, 1001.0)
    closed = rules.closed(opened, 1050.0)
    assert closed.state == "closed" and closed.closed_at == 1050.0
    for step in (lambda: rules.closed(closed, 1), lambda: rules.opened(closed, 1),
                 lambda: rules.extended(closed, 60, 1)):
        with pytest.raises(ProtocolError) as caught:
            step()
        assert caught.value.code is Code.conflict


def conflict(step: object) -> str:
    with pytest.raises(ProtocolError) as caught:
        step()  # type: ignore[operator]
    assert caught.value.code is Code.conflict
    return caught.value.message


def test_every_transition_bumps_the_version_by_one() -> None:
    opened = rules.opened(make(2, duration_s=120), 1000.0)
    assert opened.version == 1
    assert rules.extended(opened, 60, 1010.0).version == 2
    assert rules.closed(opened, 1010.0).version == 2
    assert rules.closed(make(2), 1010.0).version == 1  # a draft may close unopened


def test_extending_adds_time_to_the_end() -> None:
    opened = rules.opened(make(2, duration_s=120), 1000.0)
    assert rules.extended(opened, 300, 1010.0).ends_at == 1420.0
    assert rules.extended(opened, 300, 1200.0).ends_at == 1500.0  # past the end: from now
    assert "no timer" in conflict(lambda: rules.extended(rules.opened(make(2), 1.0), 60, 2.0))
    assert "only an open" in conflict(lambda: rules.extended(make(2), 60, 2.0))


def test_rooms_are_open_while_their_breakout_is() -> None:
    draft = make(2, "self")
    opened = rules.opened(draft, 10.0)
    rules.rooms_open(opened)
    rules.self_selecting(opened)
    rules.broadcastable(opened)
    rules.assignable(draft)
    rules.assignable(opened)
    closed = rules.closed(opened, 20.0)
    for check in (rules.rooms_open, rules.self_selecting, rules.broadcastable):
        conflict(lambda check=check: check(draft))  # type: ignore[misc]
        conflict(lambda check=check: check(closed))  # type: ignore[misc]
    assert "closed" in conflict(lambda: rules.assignable(closed))
    assert "no self-select" in conflict(lambda: rules.self_selecting(rules.opened(make(2), 1.0)))


def test_a_timer_job_warns_or_closes_only_an_open_round_that_was_not_extended() -> None:
    opened = rules.opened(make(2, duration_s=120), 1000.0)  # ends at 1120
    assert rules.timer_due(opened, "closing", 1060.0) == "closing"
    assert rules.timer_due(opened, "close", 1119.6) == "close"  # half a second early is due
    assert rules.timer_due(opened, "close", 1119.5) == "close"  # exactly half a second
    assert rules.timer_due(opened, "close", 1119.0) is None  # extended meanwhile: not yet
    assert rules.timer_due(rules.closed(opened, 1100.0), "close", 1200.0) is None
    assert rules.timer_due(rules.opened(make(2), 1.0), "close", 1200.0) is None  # no timer
    assert rules.timer_due(None, "closing", 1.0) is None


def test_the_closing_warning_is_60_s_before_or_at_once() -> None:
    assert rules.closing_at(1000.0) == 940.0
    assert rules.warn_now(1000.0, 945.0) and not rules.warn_now(1000.0, 900.0)


# -- auto assignment --------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "rooms"), [(0, 3), (1, 3), (7, 3), (10, 4), (101, 7), (5, 5)])
def test_auto_spreads_evenly(n: int, rooms: int) -> None:
    b = make(rooms)
    assignment, _ = rules.spread(people(n // 2, n - n // 2), b.rooms, seed="x")
    assert len(assignment) == n
    counts = rules.counts(b.rooms, assignment).values()
    assert max(counts) - min(counts) <= 1


def test_mixed_gives_every_room_its_share_of_both_halves() -> None:
    b = make(3)
    present = people(6, 9)
    assignment, _ = rules.spread(present, b.rooms, mix="mixed", seed="x")
    for room in b.rooms:
        modes = Counter(present[u] for u, r in assignment.items() if r == room.id)
        assert modes == {"in_room": 2, "remote": 3}


def test_separate_keeps_the_halves_apart_in_proportion() -> None:
    b = make(4)
    present = people(6, 18)
    assignment, rooms = rules.spread(present, b.rooms, mix="separate", seed="x")
    assert [r.mode for r in rooms] == ["in_room", "remote", "remote", "remote"]
    for room in rooms:
        assert {present[u] for u, r in assignment.items() if r == room.id} == {room.mode}
    assert sizes(assignment) == [6, 6, 6, 6]


def test_separate_gives_each_half_a_room_even_when_small() -> None:
    _, rooms = rules.spread(people(1, 30), make(3).rooms, mix="separate")
    assert [r.mode for r in rooms].count("in_room") == 1


def test_separate_respects_capacity_within_each_half() -> None:
    assignment, rooms = rules.spread(people(4, 8), make(3).rooms, mix="separate",
                                     capacity=2, seed="x")
    assert sizes(assignment) == [2, 2, 2]  # 6 seats: the rest stay in the main session
    modes = {r.id: r.mode for r in rooms}
    assert all(people(4, 8)[u] == modes[r] for u, r in assignment.items())


def test_separate_with_one_half_uses_every_room_for_it() -> None:
    assignment, rooms = rules.spread(people(0, 9), make(3).rooms, mix="separate")
    assert all(r.mode == "remote" for r in rooms) and sizes(assignment) == [3, 3, 3]


def test_capacity_caps_rooms_and_leaves_the_rest_in_the_main_session_fairly() -> None:
    b = make(2, capacity=3)
    present = people(5, 5)
    assignment, _ = rules.spread(present, b.rooms, capacity=3, seed="x")
    assert sizes(assignment) == [3, 3]
    assert Counter(present[u] for u in assignment) == {"in_room": 3, "remote": 3}


def test_the_same_seed_gives_the_same_groups() -> None:
    b = make(3)
    assert rules.spread(people(4, 5), b.rooms, seed="a") == \
        rules.spread(people(4, 5), b.rooms, seed="a")


# -- reuse and latecomers ---------------------------------------------------------------------
def test_reuse_keeps_groups_drops_the_absent_and_seats_newcomers_in_small_rooms() -> None:
    first = make(2)
    before = {"a": first.rooms[0].id, "b": first.rooms[0].id, "c": first.rooms[0].id,
              "d": first.rooms[1].id, "gone": first.rooms[1].id}
    second = make(2)
    present = {"a": "remote", "b": "remote", "c": "in_room", "d": "remote", "new": "remote"}
    assignment = rules.reuse_groups(first, before, second.rooms, present)
    room1, room2 = second.rooms[0].id, second.rooms[1].id
    assert assignment == {"a": room1, "b": room1, "c": room1, "d": room2, "new": room2}


def test_reusing_needs_a_closed_round_and_takes_its_room_names() -> None:
    b = rules.new_breakout("ev", "s", ["Pay", "Ethics"], "auto", now=1.0)
    with pytest.raises(ProtocolError) as caught:
        rules.reuse_of(b)
    assert caught.value.code is Code.conflict
    done = rules.closed(rules.opened(b, 2.0), 3.0)
    assert rules.reuse_of(done) == ["Pay", "Ethics"]


def test_a_latecomer_goes_to_the_smallest_room_with_a_seat() -> None:
    sizes_now = {"r1": 3, "r2": 2, "r3": 2}
    assert rules.smallest_room(sizes_now, ["r1", "r2", "r3"], None) == "r2"
    assert rules.smallest_room(sizes_now, ["r1", "r3"], None) == "r3"
    assert rules.smallest_room(sizes_now, ["r1", "r2", "r3"], 2) is None


def test_a_latecomer_of_a_separate_round_goes_to_a_room_of_their_half() -> None:
    b = make(3)
    b.rooms = [Room(b.rooms[0].id, "A", "in_room"), Room(b.rooms[1].id, "B", "remote"),
               Room(b.rooms[2].id, "C", "remote")]
    assert rules.candidates(b, "remote") == [b.rooms[1].id, b.rooms[2].id]
    assert rules.candidates(b, "in_room") == [b.rooms[0].id]
    mixed = make(2)
    assert rules.candidates(mixed, "in_room") == [r.id for r in mixed.rooms]


# -- one person's move ------------------------------------------------------------------------
def test_joining_respects_capacity_but_rejoining_ones_own_room_does_not_count() -> None:
    where = {"a": "r1", "b": "r1"}
    assert rules.place("open", where, "c", "join", "r1", 2).status == "full"
    assert rules.place("open", where, "a", "join", "r1", 2).status == "ok"
    moved = rules.place("open", where, "a", "join", "r2", 2)
    assert (moved.status, moved.previous, moved.room) == ("ok", "r1", "r2")


def test_a_moderator_assigns_before_opening_and_beyond_capacity() -> None:
    where = {"a": "r1"}
    assert rules.place("draft", where, "b", "assign", "r1", 1).status == "ok"
    assert rules.place("draft", where, "b", "join", "r1").status == "closed"
    assert rules.place("closed", where, "b", "assign", "r1").status == "closed"


def test_a_latecomer_already_placed_keeps_their_room() -> None:
    placed = rules.place("open", {"a": "r1"}, "a", "smallest", None, None, ["r2"])
    assert (placed.status, placed.room) == ("placed", "r1")
    fresh = rules.place("open", {"a": "r1"}, "b", "smallest", None, None, ["r1", "r2"])
    assert (fresh.status, fresh.room) == ("ok", "r2")
    full = rules.place("open", {"a": "r1"}, "b", "smallest", None, 1, ["r1"])
    assert full.status == "full"


def test_the_view_is_the_breakouts_wire_form() -> None:
    b = rules.opened(make(2, duration_s=60, capacity=4), 200.5)
    r1, r2 = b.rooms
    assert msgspec.to_builtins(rules.view(b, {"u1": r1.id})) == {
        "id": b.id, "session": "s", "state": "open", "assign": "auto", "capacity": 4,
        "duration_s": 60, "mix": "mixed", "reuse": None,
        "rooms": [{"id": r1.id, "name": "Room 1", "mode": None, "count": 1},
                  {"id": r2.id, "name": "Room 2", "mode": None, "count": 0}],
        "created_at": 100000, "opened_at": 200500, "ends_at": 260500, "closed_at": None}


def test_a_closed_separate_round_reused_keeps_its_modes_in_the_view() -> None:
    first = rules.closed(rules.opened(make(2), 150.0), 160.0)
    modes = ("in_room", "remote")
    rooms = [msgspec.structs.replace(r, mode=m) for r, m in zip(first.rooms, modes, strict=True)]
    b = rules.closed(rules.opened(make(2, mix="separate", reuse=first.id), 170.0, rooms),
                     180.25)
    shown = msgspec.to_builtins(rules.view(b, {}))
    assert [r["mode"] for r in shown["rooms"]] == ["in_room", "remote"]
    assert (shown["reuse"], shown["mix"], shown["closed_at"]) == (first.id, "separate", 180250)


def test_opening_takes_the_rooms_it_is_given() -> None:
    b = make(2)
    rooms = [msgspec.structs.replace(r, mode="remote") for r in b.rooms]
    assert rules.opened(b, 1.0, rooms).rooms == rooms
    assert rules.opened(b, 1.0).rooms == b.rooms


def test_a_room_by_id_and_its_reference() -> None:
    b = make(2)
    r1 = b.rooms[0]
    assert b.room(r1.id) == r1 and b.room("nope") is None
    assert msgspec.to_builtins(rules.room_ref(b, r1.id)) == {"id": r1.id, "name": "Room 1"}
    assert rules.room_ref(b, None) is None and rules.room_ref(b, "nope") is None


def test_the_view_counts_members_and_lists_them_for_staff_only() -> None:
    b = make(2)
    where = {"u1": b.rooms[0].id, "u2": b.rooms[0].id}
    public = msgspec.to_builtins(rules.view(b, where))
    assert [r["count"] for r in public["rooms"]] == [2, 0]
    assert "members" not in public["rooms"][0]
    staff = msgspec.to_builtins(rules.view(b, where, {"u1": "Ana"}))
    assert staff["rooms"][0]["members"] == [{"id": "u1", "name": "Ana"},
                                            {"id": "u2", "name": "u2"}]


# -- the moderator's list of people -----------------------------------------------------------
def test_people_view_puts_those_to_place_first_then_by_name() -> None:
    present = {"u1": "remote", "u2": "in_room", "u3": "remote"}
    names = {"u1": "zoe", "u2": "Ann", "u3": "bob"}
    shown = msgspec.to_builtins(rules.people_view(present, names, {"u2": "r-1", "gone": "r-1"}))
    assert shown == [{"id": "u3", "name": "bob", "mode": "remote", "room": None},
                     {"id": "u1", "name": "zoe", "mode": "remote", "room": None},
                     {"id": "u2", "name": "Ann", "mode": "in_room", "room": "r-1"}]
    assert rules.people_view({"u9": "remote"}, {}, {})[0].name == "u9"  # name unknown


# -- a room's recent messages, read back from the topic's history ----------------------------
async def _room_topic(depth: int, events: list[str]) -> tuple[MemoryBroker, Position]:
    broker = MemoryBroker(depth)
    for i, kind in enumerate(events):
        data = {"room": "r", "message": {"id": f"m{i}"}} if kind == "room.message" else {}
        await broker.publish(KEY, kind, msgspec.json.encode(data))
    return broker, (await broker.positions([KEY]))[KEY]


async def test_recent_messages_reach_back_past_other_events() -> None:
    # 60 messages, then 700 presence events: the window grows until it holds 50.
    broker, last = await _room_topic(1000, ["room.message"] * 60 + ["room.presence"] * 700)
    found = await recent_messages(broker, KEY, last, 50, 1000)
    assert [m["id"] for m in found] == [f"m{i}" for i in range(10, 60)]


async def test_recent_messages_stop_at_the_seq_and_the_depth_of_the_history() -> None:
    broker, last = await _room_topic(100, ["room.message"] * 150 + ["breakout.report"])
    upto = last._replace(seq=140)  # 141.. follow the reply
    found = await recent_messages(broker, KEY, upto, 50, 100)
    assert [m["id"] for m in found] == [f"m{i}" for i in range(90, 140)]
    broker, last = await _room_topic(100, ["room.message"] * 3 + ["room.presence"] * 120)
    assert await recent_messages(broker, KEY, last, 50, 100) == []  # trimmed away
    broker, last = await _room_topic(100, ["room.presence", "room.message"])
    assert [m["id"] for m in await recent_messages(broker, KEY, last, 50, 100)] == ["m1"]
    empty = MemoryBroker(100)
    assert await recent_messages(empty, KEY, (await empty.positions([KEY]))[KEY], 50, 100) == []
    assert await recent_messages(broker, KEY, Position("another", last.seq), 50, 100) == []
