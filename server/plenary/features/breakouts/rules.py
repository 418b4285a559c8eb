"""The rules of breakout rooms, pure: the model, its states, room names and assignment.

A breakout goes draft → open → closed, never back. Rooms are named and get ids that are
unique across events (`r-` + random), so a room topic `room:<id>` and a media room can never
collide. Who sits where is a map user id → room id, kept next to the breakout by the store;
the functions here compute such maps and never touch storage.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from ...errors import bad_request, conflict

State = Literal["draft", "open", "closed"]
Assign = Literal["auto", "manual", "self"]
Mix = Literal["mixed", "separate"]

MAX_ROOMS = 50
ROOM_NAME_MAX = 60
CLOSING_WARNING_S = 60.0  # `breakout.closing` comes this long before the end


class Room(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str
    mode: str | None = None  # "in_room" | "remote" when the round keeps the halves apart


class Breakout(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    event: str
    session: str
    assign: Assign
    rooms: list[Room]
    state: State = "draft"
    capacity: int | None = None
    duration_s: int | None = None
    mix: Mix = "mixed"
    reuse: str | None = None
    created_at: float = 0.0
    opened_at: float | None = None
    ends_at: float | None = None
    closed_at: float | None = None
    version: int = 0  # bumped by every change; the stores compare-and-set on it

    def room(self, room_id: str) -> Room | None:
        return next((r for r in self.rooms if r.id == room_id), None)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def room_names(rooms: int | list[str]) -> list[str]:
    """`3` → Room 1..3; a list of names is trimmed and must be unique (case-insensitively)."""
    if isinstance(rooms, int):
        if not 1 <= rooms <= MAX_ROOMS:
            raise bad_request(f"data.rooms: must be 1 to {MAX_ROOMS}.")
        return [f"Room {i}" for i in range(1, rooms + 1)]
    if not 1 <= len(rooms) <= MAX_ROOMS:
        raise bad_request(f"data.rooms: give 1 to {MAX_ROOMS} names.")
    names = [name.strip() for name in rooms]
    for i, name in enumerate(names):
        if not 1 <= len(name) <= ROOM_NAME_MAX or "\x00" in name:
            raise bad_request(f"data.rooms[{i}]: must be 1 to {ROOM_NAME_MAX} characters "
                              "after trimming.")
    if len({n.casefold() for n in names}) != len(names):
        raise bad_request("data.rooms: room names must be unique.")
    return names


def new_breakout(event: str, session: str, names: list[str], assign: Assign, *,
                 now: float, capacity: int | None = None, duration_s: int | None = None,
                 mix: Mix = "mixed", reuse: str | None = None) -> Breakout:
    rooms = [Room(new_id("r"), name) for name in names]
    return Breakout(new_id("b"), event, session, assign, rooms, capacity=capacity,
                    duration_s=duration_s, mix=mix, reuse=reuse, created_at=now)


def reuse_of(previous: Breakout) -> list[str]:
    """A round that reuses `previous` has its rooms, by name and in order."""
    if previous.state != "closed":
        raise conflict(f"Breakout `{previous.id}` is not closed yet: it cannot be reused.")
    return [r.name for r in previous.rooms]


# -- states ----------------------------------------------------------------------------------
def opened(b: Breakout, now: float, rooms: list[Room] | None = None) -> Breakout:
    if b.state != "draft":
        raise conflict(f"Breakout `{b.id}` is {b.state}: only a draft can be opened.")
    ends_at = now + b.duration_s if b.duration_s else None
    return msgspec.structs.replace(b, state="open", opened_at=now, ends_at=ends_at,
                                   rooms=rooms if rooms is not None else b.rooms,
                                   version=b.version + 1)


def closed(b: Breakout, now: float) -> Breakout:
    if b.state == "closed":
        raise conflict(f"Breakout `{b.id}` is already closed.")
    return msgspec.structs.replace(b, state="closed", closed_at=now, version=b.version + 1)


def extended(b: Breakout, seconds: int, now: float) -> Breakout:
    if b.state != "open":
        raise conflict(f"Breakout `{b.id}` is {b.state}: only an open breakout can be extended.")
    if b.ends_at is None:
        raise conflict(f"Breakout `{b.id}` has no timer to extend.")
    base = b.ends_at if b.ends_at is not None else now
    return msgspec.structs.replace(b, ends_at=max(base, now) + seconds, version=b.version + 1)


def rooms_open(b: Breakout) -> None:
    """Rooms are entered, spoken in and reported from while their breakout is open."""
    if b.state != "open":
        raise conflict(f"Breakout `{b.id}` is {b.state}: its rooms are not open.")


def self_selecting(b: Breakout) -> None:
    """People pick their own room only in an open self-select round."""
    if b.assign != "self":
        raise conflict(f"Breakout `{b.id}` assigns its rooms ({b.assign}): no self-select.")
    rooms_open(b)


def assignable(b: Breakout) -> None:
    """Moderators place people until the breakout closes."""
    if b.state == "closed":
        raise conflict(f"Breakout `{b.id}` is closed.")


def broadcastable(b: Breakout) -> None:
    if b.state != "open":
        raise conflict(f"Breakout `{b.id}` is {b.state}: nobody is in its rooms.")


TimerJob = Literal["closing", "close"]


def timer_due(b: Breakout | None, job: TimerJob, now: float) -> TimerJob | None:
    """What a timer job must do now: warn, close, or nothing (closed, or extended since the
    job was set: a close job then finds the end moved on)."""
    if b is None or b.state != "open" or b.ends_at is None:
        return None
    if job == "closing":
        return "closing"
    return "close" if b.ends_at <= now + 0.5 else None


def closing_at(ends_at: float) -> float:
    return ends_at - CLOSING_WARNING_S


def warn_now(ends_at: float, now: float) -> bool:
    """Too little time left for a scheduled warning: warn at once instead."""
    return closing_at(ends_at) <= now


# -- assignment ------------------------------------------------------------------------------
def counts(rooms: Iterable[Room], where: Mapping[str, str]) -> dict[str, int]:
    found = {r.id: 0 for r in rooms}
    for room_id in where.values():
        if room_id in found:
            found[room_id] += 1
    return found


def _by_mode(people: Mapping[str, str], rng: random.Random) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {"in_room": [], "remote": []}
    for user in sorted(people):
        groups["in_room" if people[user] == "in_room" else "remote"].append(user)
    for users in groups.values():
        rng.shuffle(users)
    return groups


def _deal(users: list[str], room_ids: list[str], capacity: int | None) -> dict[str, str]:
    """Round-robin: sizes differ by at most one; at most `capacity` each."""
    limit = len(users) if capacity is None else min(len(users), capacity * len(room_ids))
    return {user: room_ids[i % len(room_ids)] for i, user in enumerate(users[:limit])}


def _fair_cut(groups: dict[str, list[str]], keep: int) -> dict[str, list[str]]:
    """Keep `keep` people in all, each half in proportion to its size (for a full house)."""
    total = sum(len(u) for u in groups.values())
    if keep >= total:
        return groups
    in_room = round(keep * len(groups["in_room"]) / total)
    return {"in_room": groups["in_room"][:in_room], "remote": groups["remote"][:keep - in_room]}


def spread(people: Mapping[str, str], rooms: list[Room], *, mix: Mix = "mixed",
           capacity: int | None = None, seed: str = "") -> tuple[dict[str, str], list[Room]]:
    """Auto assignment of `people` (user → mode) to `rooms`: (user → room id, rooms).

    `mixed` gives every room its share of each half of the hybrid audience; `separate` gives
    each half rooms of its own (in proportion to its size; the returned rooms carry their
    mode). Sizes differ by at most one (within each half for `separate`); with a `capacity`,
    whoever does not fit stays in the main session.
    """
    rng = random.Random(seed)
    groups = _by_mode(people, rng)
    if capacity is not None:
        groups = _fair_cut(groups, capacity * len(rooms))
    if mix == "separate" and len(rooms) > 1:
        return _separate(groups, rooms, capacity)
    ids = [r.id for r in rooms]
    return _deal(groups["in_room"] + groups["remote"], ids, capacity), list(rooms)


def _separate(groups: dict[str, list[str]], rooms: list[Room],
              capacity: int | None) -> tuple[dict[str, str], list[Room]]:
    n_in, n_remote = len(groups["in_room"]), len(groups["remote"])
    total = n_in + n_remote
    if total == 0:
        in_rooms = len(rooms) // 2
    elif n_remote == 0 or n_in == 0:
        in_rooms = len(rooms) if n_remote == 0 else 0
    else:
        in_rooms = min(len(rooms) - 1, max(1, round(len(rooms) * n_in / total)))
    moded = [msgspec.structs.replace(r, mode="in_room" if i < in_rooms else "remote")
             for i, r in enumerate(rooms)]
    assignment: dict[str, str] = {}
    for mode in ("in_room", "remote"):
        ids = [r.id for r in moded if r.mode == mode]
        if ids:
            assignment.update(_deal(groups[mode], ids, capacity))
    return assignment, moded


def candidates(b: Breakout, mode: str) -> list[str]:
    """Rooms a latecomer sitting in `mode` may go to: those of their half, if the round
    keeps the halves apart and has any."""
    own = [r.id for r in b.rooms if r.mode == mode]
    return own or [r.id for r in b.rooms]


def smallest_room(sizes: Mapping[str, int], choices: list[str],
                  capacity: int | None) -> str | None:
    """The emptiest of `choices` with a seat left (the first on ties); None when all are full."""
    open_rooms = [r for r in choices if capacity is None or sizes.get(r, 0) < capacity]
    if not open_rooms:
        return None
    return min(open_rooms, key=lambda r: sizes.get(r, 0))


def reuse_groups(previous: Breakout, previous_where: Mapping[str, str], rooms: list[Room],
                 people: Mapping[str, str], capacity: int | None = None
                 ) -> dict[str, str]:
    """The previous round's groups, in the new round's rooms (matched by position), for
    those present now; newcomers go to the smallest rooms, one by one."""
    new_of = {old.id: new.id for old, new in zip(previous.rooms, rooms, strict=False)}
    assignment = {user: new_of[old] for user, old in previous_where.items()
                  if user in people and old in new_of}
    for user in sorted(u for u in people if u not in assignment):
        room = smallest_room(counts(rooms, assignment), [r.id for r in rooms], capacity)
        if room is None:
            break
        assignment[user] = room
    return assignment


# -- one person's move (the memory store runs it; the Redis store's Lua mirrors it) -----------
Action = Literal["join", "assign", "smallest"]


class Placed(msgspec.Struct, frozen=True):
    """`status`: ok | full | closed | placed (a latecomer already had a room)."""

    status: str
    previous: str | None
    room: str | None


def place(state: State, where: Mapping[str, str], user: str, action: Action,
          room: str | None, capacity: int | None = None,
          choices: list[str] | None = None) -> Placed:
    """Where `user` goes: `join` (self-select, within capacity), `assign` (a moderator: any
    time before close, capacity aside) or `smallest` (a latecomer); room None leaves."""
    previous = where.get(user)
    if state == "closed" or (action != "assign" and state != "open"):
        return Placed("closed", previous, previous)
    if action == "smallest":
        if previous is not None:
            return Placed("placed", previous, previous)
        sizes = _sizes(where)
        room = smallest_room(sizes, choices or [], capacity)
        return Placed("ok" if room else "full", previous, room)
    if action == "join" and room is not None and room != previous and capacity is not None \
            and _sizes(where).get(room, 0) >= capacity:
        return Placed("full", previous, previous)
    return Placed("ok", previous, room)


def _sizes(where: Mapping[str, str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for room_id in where.values():
        sizes[room_id] = sizes.get(room_id, 0) + 1
    return sizes


# -- views -----------------------------------------------------------------------------------
def ms(t: float | None) -> int | None:
    return None if t is None else int(t * 1000)


# -- the wire ----------------------------------------------------------------------------------
class Person(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str


class RoomRef(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str


class RoomView(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str
    mode: str | None
    count: int
    members: list[Person] | msgspec.UnsetType = msgspec.UNSET  # staff only


class PresentView(msgspec.Struct, forbid_unknown_fields=True):
    """Someone present in the session, for moderators to place: `room` None if not placed."""

    id: str
    name: str
    mode: str
    room: str | None


class BreakoutView(msgspec.Struct, forbid_unknown_fields=True):
    """The breakout as clients see it (`breakout.state`, replies, snapshots); times unix ms."""

    id: str
    session: str
    state: State
    assign: Assign
    capacity: int | None
    duration_s: int | None
    mix: Mix
    reuse: str | None
    rooms: list[RoomView]
    created_at: int | None
    opened_at: int | None
    ends_at: int | None
    closed_at: int | None
    people: list[PresentView] | msgspec.UnsetType = msgspec.UNSET  # moderators
    my_room: RoomRef | msgspec.UnsetType | None = msgspec.UNSET  # a person's snapshot
    reports: list[dict[str, Any]] | msgspec.UnsetType = msgspec.UNSET  # a person's snapshot


def view(b: Breakout, where: Mapping[str, str], names: Mapping[str, str] | None = None
         ) -> BreakoutView:
    """The breakout as clients see it; with `names` (staff), each room lists its members."""
    sizes = counts(b.rooms, where)
    rooms = [RoomView(r.id, r.name, r.mode, sizes[r.id], msgspec.UNSET if names is None else
                      [Person(u, names.get(u, u)) for u in sorted(where) if where[u] == r.id])
             for r in b.rooms]
    return BreakoutView(
        id=b.id, session=b.session, state=b.state, assign=b.assign, capacity=b.capacity,
        duration_s=b.duration_s, mix=b.mix, reuse=b.reuse, rooms=rooms,
        created_at=ms(b.created_at), opened_at=ms(b.opened_at), ends_at=ms(b.ends_at),
        closed_at=ms(b.closed_at))


def people_view(present: Mapping[str, str], names: Mapping[str, str],
                where: Mapping[str, str]) -> list[PresentView]:
    """Who is present in the session (user → mode) and their room (None: not placed yet);
    those not placed first, then by name, so a moderator sees whom to place at the top."""
    people = [PresentView(u, names.get(u, u), mode, where.get(u)) for u, mode in present.items()]
    return sorted(people, key=lambda p: (p.room is not None, p.name.casefold(), p.id))


def room_ref(b: Breakout, room_id: str | None) -> RoomRef | None:
    room = b.room(room_id) if room_id else None
    return None if room is None else RoomRef(room.id, room.name)
