"""Where attendance lives: the stays of each session, open ones apart until they end.

Entering a session opens a stay for the connection; leaving (or the connection going
away) closes it: one atomic step moves it from the open map to the session's list of
stays, so a stay is never counted twice nor lost between processes. Every Redis key of
attendance is spelled in `Keys`; one event's keys share a hash tag.
"""

from __future__ import annotations

from typing import Any, Protocol

import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from ...messages import decode, encode
from .rules import Stay


class AttendanceStore(Protocol):
    async def enter(self, event: str, session: str, conn: str, who: str, mode: str,
                    at: int) -> None: ...

    async def leave(self, event: str, session: str, conn: str, at: int) -> None: ...

    async def stays(self, event: str, session: str, now: int) -> list[Stay]:
        """Every stay of the session; open ones end `now`."""


class EmbeddedAttendanceStore:
    """Rows: open stays by connection, and closed stays (one row each, keyed by the
    connection and its start, so a connection that comes back adds a row)."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._open = self._tables.table("attendance.open", list[Any])  # (event, session, conn)
        self._done = self._tables.table("attendance.stays", list[Any])  # (e, s, conn, start)

    async def enter(self, event: str, session: str, conn: str, who: str, mode: str,
                    at: int) -> None:
        self._open.put((event, session, conn), [who, mode, at])
        await self._tables.durable()

    async def leave(self, event: str, session: str, conn: str, at: int) -> None:
        stay = self._open.pop((event, session, conn))
        if stay is not None:
            self._done.put((event, session, conn, str(stay[2])), [*stay, at])
            await self._tables.durable()

    async def stays(self, event: str, session: str, now: int) -> list[Stay]:
        done = [_stay(v) for k, v in self._done.items() if k[:2] == (event, session)]
        still = [_stay([*v, now]) for k, v in self._open.items() if k[:2] == (event, session)]
        return done + still


ATTEND = KeySpace("attend")


class Keys:
    @staticmethod
    def open(event: str, session: str) -> str:
        return ATTEND(event, session, "open")  # hash conn -> [who, mode, start]

    @staticmethod
    def stays(event: str, session: str) -> str:
        return ATTEND(event, session, "stays")  # list of [who, mode, start, end]


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


STORE: StoreKind[AttendanceStore] = StoreKind(EmbeddedAttendanceStore, RedisAttendanceStore)
