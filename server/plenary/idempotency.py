"""Idempotent commands: a command sent with a client `key` runs once per (user, command
type, key); a retry (the reply was lost with the connection) gets the original reply and
changes nothing. The dispatcher does this for every command, so no handler knows about it.

A key is claimed as `pending` (for at most `PENDING_S`) before the handler runs; the reply
replaces it, an error frees it (an error changed nothing, so the retry may run the
command). A retry that comes while the first is still running waits for its reply.
Replies are kept for `TTL_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
import redis.asyncio as aioredis

from .backends.base import StoreKind
from .backends.keys import KeySpace
from .backends.tables import Tables
from .errors import Code, ProtocolError
from .messages import decode, encode

TTL_S = 3600.0
PENDING_S = 10.0  # a claim whose holder vanished (its release failed: Redis went away)
WAIT_S = 5.0
PENDING = b"\x00pending"
Name = tuple[str, str, str, str]  # (event, user, command type, key)


class ReplyStore(Protocol):
    async def claim(self, name: Name) -> bytes | None:
        """None: the key is ours now (run the command). Else what is kept: PENDING or the
        encoded reply."""

    async def keep(self, name: Name, reply: bytes) -> None: ...

    async def release(self, name: Name) -> None: ...

    async def read(self, name: Name) -> bytes | None: ...


async def once(store: ReplyStore, name: Name,
               run: Callable[[], Awaitable[Any]]) -> Any:
    """The reply of `run()`, computed once per name."""
    kept = await store.claim(name)
    deadline = time.monotonic() + WAIT_S
    while kept == PENDING:  # the first try is still running (on this process or another)
        if time.monotonic() > deadline:
            raise ProtocolError(Code.unavailable, "The same command is still running: retry.")
        await asyncio.sleep(0.05)
        kept = await store.read(name)
        if kept is None:  # it failed and let go: ours to run
            kept = await store.claim(name)
    if kept is not None:
        return decode(kept)
    try:
        reply = await run()
    except BaseException:
        with contextlib.suppress(Exception):  # else the claim lapses after PENDING_S
            await store.release(name)
        raise
    await store.keep(name, encode(reply if reply is not None else {}))
    return reply


class Kept(msgspec.Struct, array_like=True):
    until: float
    value: bytes


class EmbeddedReplyStore:
    """Kept in the embedded backend's tables: a retry after a restart still finds them."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._kept = self._tables.table("replies", Kept)
        self._claims = 0
        for name, kept in self._kept.items():
            if kept.value == PENDING:  # running when the process stopped: nobody runs it now
                self._kept.pop(name)

    async def claim(self, name: Name) -> bytes | None:
        self._claims += 1
        if self._claims % 256 == 0:
            self._prune(time.time())
        kept = self._kept.get(name)
        if kept is not None and kept.until > time.time():
            return kept.value
        self._kept.put(name, Kept(time.time() + PENDING_S, PENDING))
        return None  # a pending claim needs no commit: a crash forgets it, as it should

    async def keep(self, name: Name, reply: bytes) -> None:
        self._kept.put(name, Kept(time.time() + TTL_S, reply))
        await self._tables.durable()

    async def release(self, name: Name) -> None:
        self._kept.pop(name)
        await self._tables.durable()

    async def read(self, name: Name) -> bytes | None:
        kept = self._kept.get(name)
        return kept.value if kept is not None and kept.until > time.time() else None

    def _prune(self, now: float) -> None:
        for name, kept in self._kept.items():
            if kept.until <= now:
                self._kept.pop(name)


REPLY = KeySpace("reply")

# KEYS: the reply's key. ARGV: PENDING, its ttl ms. nil: claimed now; else what is kept.
CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""


class RedisReplyStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._claim = client.register_script(CLAIM)
        self._ttl_ms = int(TTL_S * 1000)

    @staticmethod
    def _key(name: Name) -> str:
        event, user, kind, key = name
        return REPLY(event, user, kind, key)

    async def claim(self, name: Name) -> bytes | None:
        kept = await self._claim([self._key(name)], [PENDING, int(PENDING_S * 1000)])
        return kept if isinstance(kept, bytes) else None

    async def keep(self, name: Name, reply: bytes) -> None:
        await self._client.set(self._key(name), reply, px=self._ttl_ms)

    async def release(self, name: Name) -> None:
        await self._client.delete(self._key(name))

    async def read(self, name: Name) -> bytes | None:
        kept = await self._client.get(self._key(name))
        return kept if isinstance(kept, bytes) else None


STORE: StoreKind[ReplyStore] = StoreKind(EmbeddedReplyStore, RedisReplyStore)
