"""Where breakouts live: a small interface, an in-memory store and a Redis store.

Both keep the same rules (the contract tests in tests/contract/test_breakout_store.py):
- one breakout per session that is not closed (`create` refuses a second one);
- every change of a breakout is a compare-and-set: `replace(old, new)` stores `new` only if
  the stored breakout still has `old.version` (the shape Q&A's `replace` has with `rev`),
  so two processes that close the same breakout (a moderator and the timer) cannot both win;
- a person's move (`place`) checks the breakout's state and the room's capacity in the
  same atomic step as the write (one Lua script in Redis);
- a report is written only while the breakout is open.

Every Redis key of the feature is spelled in `Keys`, in the feature's one key space.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.replies import text, text_or_none
from ...backends.tables import Tables
from .rules import Action, Breakout, Placed, place


class Report(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    by: str
    by_name: str
    at: float


class Person(msgspec.Struct, array_like=True):
    name: str
    role: str


class BreakoutStore(Protocol):
    async def create(self, b: Breakout) -> bool:
        """Store a new breakout; False if its session already has one that is not closed."""

    async def get(self, event: str, breakout_id: str) -> Breakout | None: ...

    async def current(self, event: str, session: str) -> Breakout | None:
        """The session's breakout that is not closed, if any."""

    async def by_room(self, event: str, room_id: str) -> Breakout | None: ...

    async def in_session(self, event: str, session: str) -> list[Breakout]:
        """Every breakout of the session, oldest first."""

    async def replace(self, old: Breakout, new: Breakout,
                      where: Mapping[str, str] | None = None) -> bool:
        """Store `new` if the stored breakout still has `old.version`; `where` replaces the
        seating."""

    async def members(self, event: str, breakout_id: str) -> dict[str, str]:
        """user id → room id."""

    async def place(self, event: str, breakout_id: str, user: str, action: Action,
                    room: str | None, capacity: int | None = None,
                    choices: list[str] | None = None) -> Placed:
        """Move one person atomically (see `rules.place`); writes only when `ok`."""

    async def set_report(self, event: str, breakout_id: str, room: str, report: Report) -> bool:
        """Keep a room's report while the breakout is open; False once it is not."""

    async def reports(self, event: str, breakout_id: str) -> dict[str, Report]: ...

    async def remember(self, event: str, user: str, name: str, role: str) -> None:
        """Who is who in the event (names for staff views and the report, roles for auto
        assignment, which leaves moderators out)."""

    async def people(self, event: str, users: Iterable[str] | None = None
                     ) -> dict[str, Person]:
        """Everyone known in the event, or those of `users` who are known."""


# -- embedded --------------------------------------------------------------------------------
class EmbeddedBreakoutStore:
    """For the embedded backend: one event loop, so each method is atomic as written. Rows:
    breakouts, seats (breakout, user) -> room, reports, people; the rest is derived."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._docs = self._tables.table("breakouts.breakouts", Breakout)  # (event, breakout)
        self._seats = self._tables.table("breakouts.seats", str)  # (event, breakout, user)
        self._reports = self._tables.table("breakouts.reports", Report)  # (event, b, room)
        self._people = self._tables.table("breakouts.people", Person)  # (event, user)
        self._where: dict[tuple[str, str], dict[str, str]] = {}
        self._current: dict[tuple[str, str], str] = {}
        self._sessions: dict[tuple[str, str], list[str]] = {}
        self._rooms: dict[tuple[str, str], str] = {}
        for _, b in sorted(self._docs.items(), key=lambda row: row[1].created_at):
            self._index(b)
        for (event, breakout_id, user), room in self._seats.items():
            self._where.setdefault((event, breakout_id), {})[user] = room

    def _index(self, b: Breakout) -> None:
        if b.state != "closed":
            self._current[(b.event, b.session)] = b.id
        self._sessions.setdefault((b.event, b.session), []).append(b.id)
        for room in b.rooms:
            self._rooms[(b.event, room.id)] = b.id

    async def create(self, b: Breakout) -> bool:
        if (b.event, b.session) in self._current:
            return False
        self._docs.put((b.event, b.id), b)
        self._index(b)
        await self._tables.durable()
        return True

    async def get(self, event: str, breakout_id: str) -> Breakout | None:
        return self._docs.get((event, breakout_id))

    async def current(self, event: str, session: str) -> Breakout | None:
        found = self._current.get((event, session))
        return None if found is None else self._docs.get((event, found))

    async def by_room(self, event: str, room_id: str) -> Breakout | None:
        found = self._rooms.get((event, room_id))
        return None if found is None else self._docs.get((event, found))

    async def in_session(self, event: str, session: str) -> list[Breakout]:
        return [self._docs[(event, i)] for i in self._sessions.get((event, session), [])]

    async def replace(self, old: Breakout, new: Breakout,
                      where: Mapping[str, str] | None = None) -> bool:
        stored = self._docs.get((new.event, new.id))
        if stored is None or stored.version != old.version:
            return False
        self._docs.put((new.event, new.id), new)
        if new.state == "closed" and self._current.get((new.event, new.session)) == new.id:
            del self._current[(new.event, new.session)]
        if where is not None:
            self._seat_all(new.event, new.id, where)
        await self._tables.durable()
        return True

    def _seat_all(self, event: str, breakout_id: str, where: Mapping[str, str]) -> None:
        for user in self._where.pop((event, breakout_id), {}):
            self._seats.pop((event, breakout_id, user))
        self._where[(event, breakout_id)] = dict(where)
        for user, room in where.items():
            self._seats.put((event, breakout_id, user), room)

    async def members(self, event: str, breakout_id: str) -> dict[str, str]:
        return dict(self._where.get((event, breakout_id), {}))

    async def place(self, event: str, breakout_id: str, user: str, action: Action,
                    room: str | None, capacity: int | None = None,
                    choices: list[str] | None = None) -> Placed:
        b = self._docs.get((event, breakout_id))
        if b is None:
            return Placed("closed", None, None)
        where = self._where.setdefault((event, breakout_id), {})
        placed = place(b.state, where, user, action, room, capacity, choices)
        if placed.status == "ok":
            if placed.room is None:
                where.pop(user, None)
                self._seats.pop((event, breakout_id, user))
            else:
                where[user] = placed.room
                self._seats.put((event, breakout_id, user), placed.room)
            await self._tables.durable()
        return placed

    async def set_report(self, event: str, breakout_id: str, room: str, report: Report) -> bool:
        b = self._docs.get((event, breakout_id))
        if b is None or b.state != "open":
            return False
        self._reports.put((event, breakout_id, room), report)
        await self._tables.durable()
        return True

    async def reports(self, event: str, breakout_id: str) -> dict[str, Report]:
        return {room: r for (e, b, room), r in self._reports.items()
                if e == event and b == breakout_id}

    async def remember(self, event: str, user: str, name: str, role: str) -> None:
        if self._people.get((event, user)) != Person(name, role):
            self._people.put((event, user), Person(name, role))
            await self._tables.durable()

    async def people(self, event: str, users: Iterable[str] | None = None
                     ) -> dict[str, Person]:
        if users is None:
            return {u: p for (e, u), p in self._people.items() if e == event}
        found = ((u, self._people.get((event, u))) for u in users)
        return {u: p for u, p in found if p is not None}


# -- Redis -----------------------------------------------------------------------------------
BREAKOUT = KeySpace("breakout")


class Keys:
    """Every Redis key of breakouts, in one key space: an event's keys share a slot, so the
    scripts below (up to four keys) are valid on Redis Cluster."""

    @staticmethod
    def doc(event: str, breakout_id: str) -> str:
        return BREAKOUT(event, "doc", breakout_id)

    @staticmethod
    def where(event: str, breakout_id: str) -> str:
        return BREAKOUT(event, "where", breakout_id)

    @staticmethod
    def reports(event: str, breakout_id: str) -> str:
        return BREAKOUT(event, "reports", breakout_id)

    @staticmethod
    def current(event: str, session: str) -> str:
        return BREAKOUT(event, "current", session)

    @staticmethod
    def session(event: str, session: str) -> str:
        return BREAKOUT(event, "session", session)

    @staticmethod
    def rooms(event: str) -> str:
        return BREAKOUT(event, "rooms")

    @staticmethod
    def people(event: str) -> str:
        return BREAKOUT(event, "people")


CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[1])
for i = 3, #ARGV do redis.call('HSET', KEYS[4], ARGV[i], ARGV[1]) end
return 1
"""

REPLACE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if tonumber(cjson.decode(raw).version) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '1' and redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
if ARGV[5] == '1' then
  redis.call('DEL', KEYS[3])
  for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
end
return 1
"""

# Mirrors rules.place: state, capacity and the write in one step.
PLACE = """
local user, action, capacity, room = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local raw = redis.call('GET', KEYS[1])
local previous = redis.call('HGET', KEYS[2], user) or ''
if not raw then return {'closed', previous, previous} end
local state = cjson.decode(raw).state
if state == 'closed' or (action ~= 'assign' and state ~= 'open') then
  return {'closed', previous, previous}
end
local sizes = {}
if action ~= 'assign' then
  for _, r in ipairs(redis.call('HVALS', KEYS[2])) do sizes[r] = (sizes[r] or 0) + 1 end
end
if action == 'smallest' then
  if previous ~= '' then return {'placed', previous, previous} end
  room = ''
  for i = 5, #ARGV do
    local n = sizes[ARGV[i]] or 0
    if (not capacity or n < capacity) and (room == '' or n < (sizes[room] or 0)) then
      room = ARGV[i]
    end
  end
  if room == '' then return {'full', previous, ''} end
elseif action == 'join' and room ~= '' and room ~= previous and capacity
    and (sizes[room] or 0) >= capacity then
  return {'full', previous, previous}
end
if room == '' then redis.call('HDEL', KEYS[2], user)
else redis.call('HSET', KEYS[2], user, room) end
return {'ok', previous, room}
"""

SET_REPORT = """
local raw = redis.call('GET', KEYS[1])
if not raw or cjson.decode(raw).state ~= 'open' then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


class RedisBreakoutStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._create = client.register_script(CREATE)
        self._replace = client.register_script(REPLACE)
        self._place = client.register_script(PLACE)
        self._set_report = client.register_script(SET_REPORT)

    async def create(self, b: Breakout) -> bool:
        keys = [Keys.current(b.event, b.session), Keys.doc(b.event, b.id),
                Keys.session(b.event, b.session), Keys.rooms(b.event)]
        args: list[str | bytes] = [b.id, msgspec.json.encode(b), *[r.id for r in b.rooms]]
        return bool(await self._create(keys, args))

    async def get(self, event: str, breakout_id: str) -> Breakout | None:
        raw = await self._client.get(Keys.doc(event, breakout_id))
        return None if raw is None else msgspec.json.decode(raw, type=Breakout)

    async def current(self, event: str, session: str) -> Breakout | None:
        found = text_or_none(await self._client.get(Keys.current(event, session)))
        return None if found is None else await self.get(event, found)

    async def by_room(self, event: str, room_id: str) -> Breakout | None:
        found = text_or_none(await self._client.hget(Keys.rooms(event), room_id))
        return None if found is None else await self.get(event, found)

    async def in_session(self, event: str, session: str) -> list[Breakout]:
        ids = await self._client.lrange(Keys.session(event, session), 0, -1)
        if not ids:
            return []
        raws = await self._client.mget([Keys.doc(event, text(i)) for i in ids])
        return [msgspec.json.decode(r, type=Breakout) for r in raws if r is not None]

    async def replace(self, old: Breakout, new: Breakout,
                      where: Mapping[str, str] | None = None) -> bool:
        b = new
        keys = [Keys.doc(b.event, b.id), Keys.current(b.event, b.session),
                Keys.where(b.event, b.id)]
        args: list[Any] = [old.version, msgspec.json.encode(b),
                           "1" if b.state == "closed" else "0", b.id,
                           "0" if where is None else "1"]
        for user, room in (where or {}).items():
            args += [user, room]
        return bool(await self._replace(keys, args))

    async def members(self, event: str, breakout_id: str) -> dict[str, str]:
        raw = await self._client.hgetall(Keys.where(event, breakout_id))
        return {text(k): text(v) for k, v in raw.items()}

    async def place(self, event: str, breakout_id: str, user: str, action: Action,
                    room: str | None, capacity: int | None = None,
                    choices: list[str] | None = None) -> Placed:
        keys = [Keys.doc(event, breakout_id), Keys.where(event, breakout_id)]
        args = [user, action, "" if capacity is None else capacity, room or "", *(choices or [])]
        status, previous, placed = await self._place(keys, args)
        return Placed(status.decode(), text_or_none(previous), text_or_none(placed))

    async def set_report(self, event: str, breakout_id: str, room: str, report: Report) -> bool:
        keys = [Keys.doc(event, breakout_id), Keys.reports(event, breakout_id)]
        return bool(await self._set_report(keys, [room, msgspec.json.encode(report)]))

    async def reports(self, event: str, breakout_id: str) -> dict[str, Report]:
        raw = await self._client.hgetall(Keys.reports(event, breakout_id))
        return {text(k): msgspec.json.decode(v, type=Report) for k, v in raw.items()}

    async def remember(self, event: str, user: str, name: str, role: str) -> None:
        person = msgspec.json.encode(Person(name, role))
        await self._client.hset(Keys.people(event), user, person)

    async def people(self, event: str, users: Iterable[str] | None = None
                     ) -> dict[str, Person]:
        if users is None:
            raw = await self._client.hgetall(Keys.people(event))
            return {text(k): msgspec.json.decode(v, type=Person) for k, v in raw.items()}
        wanted = list(users)
        if not wanted:
            return {}
        values = await self._client.hmget(Keys.people(event), wanted)
        return {u: msgspec.json.decode(v, type=Person)
                for u, v in zip(wanted, values, strict=True) if v is not None}


STORE: StoreKind[BreakoutStore] = StoreKind(EmbeddedBreakoutStore, RedisBreakoutStore)
