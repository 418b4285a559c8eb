"""Where reactions are added up between two `reactions` events: one counter per session, shared
by every process (Redis) or in this process (embedded backend). Its Redis keys live here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ReactionStore(Protocol):
    async def add(self, event: str, session: str, counts: Mapping[str, int]) -> None:
        """Add this process's counts to the session's."""

    async def take(self, event: str, session: str) -> dict[str, int]:
        """The session's counts, reset to nothing in the same step."""


class MemoryReactionStore:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], dict[str, int]] = {}

    async def add(self, event: str, session: str, counts: Mapping[str, int]) -> None:
        mine = self._counts.setdefault((event, session), {})
        for kind, n in counts.items():
            mine[kind] = mine.get(kind, 0) + n

    async def take(self, event: str, session: str) -> dict[str, int]:
        return self._counts.pop((event, session), {})


class Keys:
    @staticmethod
    def counts(event: str, session: str) -> str:  # hash: kind -> reactions since the last event
        return f"plenary:reactions:{{{event}}}:{session}"


# KEYS: counts. Read and reset at once, so no reaction is counted twice or lost.
TAKE = """
local counts = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return counts
"""


class RedisReactionStore:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._take = client.register_script(TAKE)

    async def add(self, event: str, session: str, counts: Mapping[str, int]) -> None:
        pipe = self._client.pipeline(transaction=True)
        for kind, n in counts.items():
            pipe.hincrby(Keys.counts(event, session), kind, n)
        await pipe.execute()

    async def take(self, event: str, session: str) -> dict[str, int]:
        flat = await self._take([Keys.counts(event, session)])
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return {kind.decode(): int(n) for kind, n in pairs}


def open_store(backend: Any) -> ReactionStore:
    if backend.name == "redis":
        return RedisReactionStore(backend.redis)
    return MemoryReactionStore()
