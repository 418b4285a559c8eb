"""Who is live where, across processes: publisher id -> its owning process, user, kind, scope.

The peer connection of a publisher lives in the process that took `media.publish`; any
process can find it here to forward a `media.subscribe`. Each owner re-stamps its entries
(`at`) every few seconds, so the entries of a process that died stop counting after
`STALE_S`. Every Redis key of the feature is spelled in `Keys`, here, in its key space.
"""

from __future__ import annotations

import time
from typing import Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables

STALE_S = 30.0


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    user: str
    name: str
    kind: str
    scope: str  # "session:<id>" | "room:<id>"
    node: str
    at: float = 0.0
    lang: str = ""  # an interpretation channel's language (interpretation.py)
    audio: bool = True  # what the publisher sends, as it said (`media.state`)
    video: bool = True

    def public(self) -> dict[str, str | bool]:
        """As clients see it; `lang` only on an interpretation channel, `audio`/`video`
        only when the publisher turned them off (absent: on)."""
        out: dict[str, str | bool] = {"id": self.id, "user": self.user, "name": self.name,
                                      "kind": self.kind}
        if self.lang:
            out["lang"] = self.lang
        if not self.audio:
            out["audio"] = False
        if not self.video:
            out["video"] = False
        return out

    def fresh(self, now: float) -> bool:
        return now - self.at < STALE_S


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Entry)


class MediaStore(Protocol):
    async def put(self, event: str, entry: Entry) -> None:
        """Add or re-stamp an entry (its `at` becomes now)."""

    async def get(self, event: str, pid: str) -> Entry | None:
        """The live entry, or None (gone or stale)."""

    async def remove(self, event: str, pid: str) -> bool:
        """Forget an entry; True for the one caller that removed it."""

    async def of_node(self, event: str, node: str) -> list[Entry]:
        """Every entry process `node` owns in the event, stale or not."""

    async def in_scope(self, event: str, scope: str) -> list[Entry]:
        """The live entries of a scope, by id."""


class EmbeddedMediaStore:
    """Not kept across a restart, on purpose: a publisher's peer connection dies with the
    process, so its entry must too."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._entries: dict[str, dict[str, Entry]] = {}

    async def put(self, event: str, entry: Entry) -> None:
        self._entries.setdefault(event, {})[entry.id] = msgspec.structs.replace(
            entry, at=time.time())

    async def get(self, event: str, pid: str) -> Entry | None:
        entry = self._entries.get(event, {}).get(pid)
        return entry if entry is not None and entry.fresh(time.time()) else None

    async def remove(self, event: str, pid: str) -> bool:
        return self._entries.get(event, {}).pop(pid, None) is not None

    async def of_node(self, event: str, node: str) -> list[Entry]:
        return [e for e in self._entries.get(event, {}).values() if e.node == node]

    async def in_scope(self, event: str, scope: str) -> list[Entry]:
        now = time.time()
        return sorted((e for e in self._entries.get(event, {}).values()
                       if e.scope == scope and e.fresh(now)), key=lambda e: e.id)


MEDIA = KeySpace("media")


class Keys:
    @staticmethod
    def publishers(event: str) -> str:
        return MEDIA(event, "publishers")


class RedisMediaStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def put(self, event: str, entry: Entry) -> None:
        stamped = msgspec.structs.replace(entry, at=time.time())
        await self._client.hset(Keys.publishers(event), entry.id, _encoder.encode(stamped))

    async def get(self, event: str, pid: str) -> Entry | None:
        raw = await self._client.hget(Keys.publishers(event), pid)
        if raw is None:
            return None
        entry = _decoder.decode(raw)
        return entry if entry.fresh(time.time()) else None

    async def remove(self, event: str, pid: str) -> bool:
        return bool(await self._client.hdel(Keys.publishers(event), pid))

    async def of_node(self, event: str, node: str) -> list[Entry]:
        raw = await self._client.hgetall(Keys.publishers(event))
        return [e for e in (_decoder.decode(v) for v in raw.values()) if e.node == node]

    async def in_scope(self, event: str, scope: str) -> list[Entry]:
        raw = await self._client.hgetall(Keys.publishers(event))
        now = time.time()
        entries = [_decoder.decode(v) for v in raw.values()]
        stale = [e.id for e in entries if not e.fresh(now)]
        if stale:  # left by a process that died: nobody else will remove them
            await self._client.hdel(Keys.publishers(event), *stale)
        return sorted((e for e in entries if e.scope == scope and e.fresh(now)),
                      key=lambda e: e.id)


STORE: StoreKind[MediaStore] = StoreKind(EmbeddedMediaStore, RedisMediaStore)
