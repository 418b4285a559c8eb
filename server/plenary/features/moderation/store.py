"""Who was removed from an event (and why) and who is muted, shared by every process (Redis) or
kept in this process (embedded backend). Every Redis key of moderation is spelled here."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from .rules import Removal


class ModerationStore(Protocol):
    async def remove(self, event: str, removal: Removal) -> None: ...

    async def removal(self, event: str, user: str) -> Removal | None: ...

    async def removals(self, event: str) -> list[Removal]: ...

    async def set_muted(self, event: str, user: str, muted: bool) -> None: ...

    async def muted(self, event: str, user: str) -> bool: ...


class EmbeddedModerationStore:
    """Rows: removals keyed (event, user) and muted people keyed (event, user)."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._removed = self._tables.table("moderation.removed", Removal)
        self._muted = self._tables.table("moderation.muted", bool)

    async def remove(self, event: str, removal: Removal) -> None:
        self._removed.put((event, removal.user), removal)
        await self._tables.durable()

    async def removal(self, event: str, user: str) -> Removal | None:
        return self._removed.get((event, user))

    async def removals(self, event: str) -> list[Removal]:
        return sorted((r for key, r in self._removed.items() if key[0] == event),
                      key=lambda r: r.at)

    async def set_muted(self, event: str, user: str, muted: bool) -> None:
        if muted:
            self._muted.put((event, user), True)
        else:
            self._muted.pop((event, user))
        await self._tables.durable()

    async def muted(self, event: str, user: str) -> bool:
        return (event, user) in self._muted


MODERATION = KeySpace("moderation")


class Keys:
    @staticmethod
    def removed(event: str) -> str:  # hash: user -> removal (JSON)
        return MODERATION(event, "removed")

    @staticmethod
    def muted(event: str) -> str:  # set: muted users
        return MODERATION(event, "muted")


_removal = msgspec.json.Decoder(Removal)


class RedisModerationStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def remove(self, event: str, removal: Removal) -> None:
        await self._client.hset(Keys.removed(event), removal.user, msgspec.json.encode(removal))

    async def removal(self, event: str, user: str) -> Removal | None:
        raw = await self._client.hget(Keys.removed(event), user)
        return None if raw is None else _removal.decode(raw)

    async def removals(self, event: str) -> list[Removal]:
        raws = await self._client.hvals(Keys.removed(event))
        return sorted((_removal.decode(r) for r in raws), key=lambda r: r.at)

    async def set_muted(self, event: str, user: str, muted: bool) -> None:
        if muted:
            await self._client.sadd(Keys.muted(event), user)
        else:
            await self._client.srem(Keys.muted(event), user)

    async def muted(self, event: str, user: str) -> bool:
        return bool(await self._client.sismember(Keys.muted(event), user))


STORE: StoreKind[ModerationStore] = StoreKind(EmbeddedModerationStore, RedisModerationStore)
