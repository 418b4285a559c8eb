"""Who was removed from an event (and why) and who is muted, shared by every process (Redis) or
kept in this process (embedded backend). Every Redis key of moderation is spelled here."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from .rules import Removal


class ModerationStore(Protocol):
    async def remove(self, event: str, removal: Removal) -> None: ...

    async def removal(self, event: str, user: str) -> Removal | None: ...

    async def removals(self, event: str) -> list[Removal]: ...

    async def set_muted(self, event: str, user: str, muted: bool) -> None: ...

    async def muted(self, event: str, user: str) -> bool: ...


class MemoryModerationStore:
    def __init__(self) -> None:
        self._removed: dict[str, dict[str, Removal]] = {}
        self._muted: dict[str, set[str]] = {}

    async def remove(self, event: str, removal: Removal) -> None:
        self._removed.setdefault(event, {})[removal.user] = removal

    async def removal(self, event: str, user: str) -> Removal | None:
        return self._removed.get(event, {}).get(user)

    async def removals(self, event: str) -> list[Removal]:
        return sorted(self._removed.get(event, {}).values(), key=lambda r: r.at)

    async def set_muted(self, event: str, user: str, muted: bool) -> None:
        users = self._muted.setdefault(event, set())
        if muted:
            users.add(user)
        else:
            users.discard(user)

    async def muted(self, event: str, user: str) -> bool:
        return user in self._muted.get(event, ())


class Keys:
    @staticmethod
    def removed(event: str) -> str:  # hash: user -> removal (JSON)
        return f"plenary:moderation:{{{event}}}:removed"

    @staticmethod
    def muted(event: str) -> str:  # set: muted users
        return f"plenary:moderation:{{{event}}}:muted"


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


def open_store(backend: Any) -> ModerationStore:
    if backend.name == "redis":
        return RedisModerationStore(backend.redis)
    return MemoryModerationStore()
