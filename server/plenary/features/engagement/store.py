"""Where attendance lives: the stays of each session, open ones apart until they end.

Entering a session opens a stay for the connection; leaving (or the connection going
away) closes it: one atomic step moves it from the open map to the session's list of
stays, so a stay is never counted twice nor lost between processes. Every Redis key of
attendance is spelled in `Keys`; one event's keys share a hash tag.
"""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as aioredis

from ...messages import decode, encode
from .rules import Stay


class AttendanceStore(Protocol):
    async def enter(self, event: str, session: str, conn: str, who: str, mode: str,
                    at: int) -> None: ...

    async def leave(self, event: str, session: str, conn: str, at: int) -> None: ...

    async def stays(self, event: str, session: str, now: int) -> list[Stay]:
        """Every stay of the session; open ones end `now`."""


class MemoryAttendanceStore:
    def __init__(self) -> None:
        self._open: dict[tuple[str, str], dict[str, Stay]] = {}
        self._done: dict[tuple[str, str], list[Stay]] = {}

    async def enter(self, event: str, session: str, conn: str, who: str, mode: str,
                    at: int) -> None:
        self._open.setdefault((event, session), {})[conn] = Stay(who, mode, at, at)

    async def leave(self, event: str, session: str, conn: str, at: int) -> None:
        stay = self._open.get((event, session), {}).pop(conn, None)
        if stay is not None:
            self._done.setdefault((event, session), []).append(
                Stay(stay.who, stay.mode, stay.start, at))

    async def stays(self, event: str, session: str, now: int) -> list[Stay]:
        still = [Stay(s.who, s.mode, s.start, now)
                 for s in self._open.get((event, session), {}).values()]
        return [*self._done.get((event, session), []), *still]


class Keys:
    @staticmethod
    def open(event: str, session: str) -> str:
        return f"plenary:attend:{{{event}}}:{session}:open"  # hash conn -> [who, mode, start]

    @staticmethod
    def stays(event: str, session: str) -> str:
        return f"plenary:attend:{{{event}}}:{session}:stays"  # list of [who, mode, start, end]


# KEYS: open, stays; ARGV: conn, end
LEAVE = """
local open = redis.call('HGET', KEYS[1], ARGV[1])
if not open then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local stay = cjson.decode(open)
table.insert(stay, tonumber(ARGV[2]))
redis.call('RPUSH', KEYS[2], cjson.encode(stay))
return 1
"""


class RedisAttendanceStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._leave = client.register_script(LEAVE)

    async def enter(self, event: str, session: str, conn: str, who: str, mode: str,
                    at: int) -> None:
        await self._client.hset(Keys.open(event, session), conn, encode([who, mode, at]))

    async def leave(self, event: str, session: str, conn: str, at: int) -> None:
        await self._leave([Keys.open(event, session), Keys.stays(event, session)], [conn, at])

    async def stays(self, event: str, session: str, now: int) -> list[Stay]:
        pipe = self._client.pipeline(transaction=True)
        pipe.lrange(Keys.stays(event, session), 0, -1)
        pipe.hvals(Keys.open(event, session))
        done, still = await pipe.execute()
        return [_stay(decode(raw)) for raw in done] + [_stay([*decode(raw), now])
                                                       for raw in still]


def _stay(fields: list[object]) -> Stay:
    who, mode, start, end = fields
    return Stay(str(who), str(mode), int(start), int(end))  # type: ignore[call-overload]
