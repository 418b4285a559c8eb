"""Where breakouts live: a small interface, an in-memory store and a Redis store.

Both keep the same rules (the contract tests in tests/contract/test_breakout_store.py):
- one breakout per session that is not closed (`create` refuses a second one);
- every change of a breakout is a compare-and-set on its `version`, so two processes that
  close the same breakout (a moderator and the timer) cannot both win;
- a person's move (`place`) checks the breakout's state and the room's capacity in the
  same atomic step as the write (one Lua script in Redis);
- a report is written only while the breakout is open.

Every Redis key of the feature is spelled in `Keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import msgspec

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

    async def replace(self, b: Breakout, where: Mapping[str, str] | None = None) -> bool:
        """Store `b` if the stored version is `b.version - 1`; `where` replaces the seating."""

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


def open_store(backend: Any) -> BreakoutStore:
    if backend.name == "redis":
        return RedisBreakoutStore(backend.redis)
    return MemoryBreakoutStore()


# -- memory ----------------------------------------------------------------------------------
class MemoryBreakoutStore:
    """For the embedded backend: one event loop, so each method is atomic as written."""

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], Breakout] = {}
        self._where: dict[tuple[str, str], dict[str, str]] = {}
        self._reports: dict[tuple[str, str], dict[str, Report]] = {}
        self._current: dict[tuple[str, str], str] = {}
        self._sessions: dict[tuple[str, str], list[str]] = {}
        self._rooms: dict[tuple[str, str], str] = {}
        self._people: dict[str, dict[str, Person]] = {}

    async def create(self, b: Breakout) -> bool:
        if (b.event, b.session) in self._current:
            return False
        self._current[(b.event, b.session)] = b.id
        self._docs[(b.event, b.id)] = b
        self._sessions.setdefault((b.event, b.session), []).append(b.id)
        for room in b.rooms:
            self._rooms[(b.event, room.id)] = b.id
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

    async def replace(self, b: Breakout, where: Mapping[str, str] | None = None) -> bool:
        stored = self._docs.get((b.event, b.id))
        if stored is None or stored.version != b.version - 1:
            return False
        self._docs[(b.event, b.id)] = b
        if b.state == "closed" and self._current.get((b.event, b.session)) == b.id:
            del self._current[(b.event, b.session)]
        if where is not None:
            self._where[(b.event, b.id)] = dict(where)
        return True

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
            else:
                where[user] = placed.room
        return placed

    async def set_report(self, event: str, breakout_id: str, room: str, report: Report) -> bool:
        b = self._docs.get((event, breakout_id))
        if b is None or b.state != "open":
            return False
        self._reports.setdefault((event, breakout_id), {})[room] = report
        return True

    async def reports(self, event: str, breakout_id: str) -> dict[str, Report]:
        return dict(self._reports.get((event, breakout_id), {}))

    async def remember(self, event: str, user: str, name: str, role: str) -> None:
        self._people.setdefault(event, {})[user] = Person(name, role)

    async def people(self, event: str, users: Iterable[str] | None = None
                     ) -> dict[str, Person]:
        known = self._people.get(event, {})
        if users is None:
            return dict(known)
        return {u: known[u] for u in users if u in known}


# -- Redis -----------------------------------------------------------------------------------
class Keys:
    prefix = "plenary:breakout:"

    @classmethod
    def doc(cls, event: str, breakout_id: str) -> str:
        return f"{cls.prefix}{event}:doc:{breakout_id}"

    @classmethod
    def where(cls, event: str, breakout_id: str) -> str:
        return f"{cls.prefix}{event}:where:{breakout_id}"

    @classmethod
    def reports(cls, event: str, breakout_id: str) -> str:
        return f"{cls.prefix}{event}:reports:{breakout_id}"

    @classmethod
    def current(cls, event: str, session: str) -> str:
        return f"{cls.prefix}{event}:current:{session}"

    @classmethod
    def session(cls, event: str, session: str) -> str:
        return f"{cls.prefix}{event}:session:{session}"

    @classmethod
    def rooms(cls, event: str) -> str:
        return f"{cls.prefix}{event}:rooms"

    @classmethod
    def people(cls, event: str) -> str:
        return f"{cls.prefix}{event}:people"


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


def _text(value: bytes | str | None) -> str | None:
    if value is None or value in (b"", ""):
        return None
    return value.decode() if isinstance(value, bytes) else value


class RedisBreakoutStore:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._create = client.register_script(CREATE)
        self._replace = client.register_script(REPLACE)
        self._place = client.register_script(PLACE)
        self._set_report = client.register_script(SET_REPORT)

    async def create(self, b: Breakout) -> bool:
        keys = [Keys.current(b.event, b.session), Keys.doc(b.event, b.id),
                Keys.session(b.event, b.session), Keys.rooms(b.event)]
        args = [b.id, msgspec.json.encode(b), *[r.id for r in b.rooms]]
        return bool(await self._create(keys, args))

    async def get(self, event: str, breakout_id: str) -> Breakout | None:
        raw = await self._client.get(Keys.doc(event, breakout_id))
        return None if raw is None else msgspec.json.decode(raw, type=Breakout)

    async def current(self, event: str, session: str) -> Breakout | None:
        found = _text(await self._client.get(Keys.current(event, session)))
        return None if found is None else await self.get(event, found)

    async def by_room(self, event: str, room_id: str) -> Breakout | None:
        found = _text(await self._client.hget(Keys.rooms(event), room_id))
        return None if found is None else await self.get(event, found)

    async def in_session(self, event: str, session: str) -> list[Breakout]:
        ids = await self._client.lrange(Keys.session(event, session), 0, -1)
        if not ids:
            return []
        raws = await self._client.mget([Keys.doc(event, i.decode()) for i in ids])
        return [msgspec.json.decode(r, type=Breakout) for r in raws if r is not None]

    async def replace(self, b: Breakout, where: Mapping[str, str] | None = None) -> bool:
        keys = [Keys.doc(b.event, b.id), Keys.current(b.event, b.session),
                Keys.where(b.event, b.id)]
        args: list[Any] = [b.version - 1, msgspec.json.encode(b),
                           "1" if b.state == "closed" else "0", b.id,
                           "0" if where is None else "1"]
        for user, room in (where or {}).items():
            args += [user, room]
        return bool(await self._replace(keys, args))

    async def members(self, event: str, breakout_id: str) -> dict[str, str]:
        raw = await self._client.hgetall(Keys.where(event, breakout_id))
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def place(self, event: str, breakout_id: str, user: str, action: Action,
                    room: str | None, capacity: int | None = None,
                    choices: list[str] | None = None) -> Placed:
        keys = [Keys.doc(event, breakout_id), Keys.where(event, breakout_id)]
        args = [user, action, "" if capacity is None else capacity, room or "", *(choices or [])]
        status, previous, placed = await self._place(keys, args)
        return Placed(status.decode(), _text(previous), _text(placed))

    async def set_report(self, event: str, breakout_id: str, room: str, report: Report) -> bool:
        keys = [Keys.doc(event, breakout_id), Keys.reports(event, breakout_id)]
        return bool(await self._set_report(keys, [room, msgspec.json.encode(report)]))

    async def reports(self, event: str, breakout_id: str) -> dict[str, Report]:
        raw = await self._client.hgetall(Keys.reports(event, breakout_id))
        return {k.decode(): msgspec.json.decode(v, type=Report) for k, v in raw.items()}

    async def remember(self, event: str, user: str, name: str, role: str) -> None:
        person = msgspec.json.encode(Person(name, role))
        await self._client.hset(Keys.people(event), user, person)

    async def people(self, event: str, users: Iterable[str] | None = None
                     ) -> dict[str, Person]:
        if users is None:
            raw = await self._client.hgetall(Keys.people(event))
            return {k.decode(): msgspec.json.decode(v, type=Person) for k, v in raw.items()}
        wanted = list(users)
        if not wanted:
            return {}
        values = await self._client.hmget(Keys.people(event), wanted)
        return {u: msgspec.json.decode(v, type=Person)
                for u, v in zip(wanted, values, strict=True) if v is not None}
