"""Which server processes do media, and how loaded each is, shared through the backend.

Every process advertises its `NodeLoad` each housekeeping round (about once a second): the
peers it holds by role, its CPU, the publishers it pulls a relay leg of (for placement), and
the events it has publishers in (so that whoever notices it died can end them). A record
older than the liveness timeout belongs to a process that died: the first process to remove
it (`remove` is atomic) ends that process's publishers and publishes `media.publishers`.
Every Redis key of this file is spelled in `Keys`.
"""

from __future__ import annotations

import time
from typing import Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import GLOBAL, KeySpace
from ...backends.tables import Tables
from .rules import Load


class NodeLoad(msgspec.Struct, forbid_unknown_fields=True):
    node: str
    at: float = 0.0
    publishers: int = 0
    viewers: int = 0
    legs_in: int = 0
    legs_out: int = 0
    cpu_pct: float = 0.0  # of one core, over the last round
    cap: int = 0  # the most peers it sends to (0: no cap)
    pulls: list[str] = []
    events: list[str] = []

    def load(self) -> Load:
        return Load(self.node, self.viewers + self.legs_out, self.cap, frozenset(self.pulls))


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(NodeLoad)


class NodeBook(Protocol):
    async def put(self, load: NodeLoad) -> bool:
        """Advertise (or re-stamp) a process's load; `at` becomes now. True if there was no
        record of that process (its first, or it had been taken for dead)."""

    async def all(self) -> list[NodeLoad]: ...

    async def remove(self, node: str) -> bool:
        """Forget a process; True for the one caller that removed it."""


class MemoryNodeBook:
    """Not kept across a restart: a process's load dies with it."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._loads: dict[str, NodeLoad] = {}

    async def put(self, load: NodeLoad) -> bool:
        new = load.node not in self._loads
        self._loads[load.node] = msgspec.structs.replace(load, at=time.time())
        return new

    async def all(self) -> list[NodeLoad]:
        return list(self._loads.values())

    async def remove(self, node: str) -> bool:
        return self._loads.pop(node, None) is not None


class Keys:
    NODES = KeySpace("medianodes")(GLOBAL, "loads")  # belongs to no event


class RedisNodeBook:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def put(self, load: NodeLoad) -> bool:
        stamped = msgspec.structs.replace(load, at=time.time())
        return bool(await self._client.hset(Keys.NODES, load.node, _encoder.encode(stamped)))

    async def all(self) -> list[NodeLoad]:
        raw = await self._client.hgetall(Keys.NODES)
        return [_decoder.decode(v) for v in raw.values()]

    async def remove(self, node: str) -> bool:
        return bool(await self._client.hdel(Keys.NODES, node))


BOOK: StoreKind[NodeBook] = StoreKind(MemoryNodeBook, RedisNodeBook)
