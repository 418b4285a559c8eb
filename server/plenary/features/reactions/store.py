"""Where reactions are added up between two `reactions` events: one counter per session, shared
by every process (Redis) or in this process (embedded backend). Its Redis keys live here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.replies import text
from ...backends.tables import Tables

SessionKey = tuple[str, str]  # (event, session)
PersonKey = tuple[str, str]  # (event, user)


class ReactionStore(Protocol):
    async def add(self, event: str, session: str, counts: Mapping[str, int]) -> None:
        """Add this process's counts to the session's."""

    async def flush(self, counts: Mapping[SessionKey, Mapping[str, int]],
                    uses: Mapping[PersonKey, int], window: int,
                    window_s: int) -> dict[PersonKey, int]:
        """Add this process's counts to the sessions' and each person's reactions to their
        count in `window`, in one step; return each of those people's new window count."""

    async def take(self, event: str, session: str) -> dict[str, int]:
        """The session's counts, reset to nothing in the same step."""


class EmbeddedReactionStore:
    """Counts of the last second and this window's uses: short-lived, never written to disk."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._counts: dict[tuple[str, str], dict[str, int]] = {}
        self._window = -1
        self._uses: dict[PersonKey, int] = {}

    async def add(self, event: str, session: str, counts: Mapping[str, int]) -> None:
        mine = self._counts.setdefault((event, session), {})
        for kind, n in counts.items():
            mine[kind] = mine.get(kind, 0) + n

    async def take(self, event: str, session: str) -> dict[str, int]:
        return self._counts.pop((event, session), {})

    async def flush(self, counts: Mapping[SessionKey, Mapping[str, int]],
                    uses: Mapping[PersonKey, int], window: int,
                    window_s: int) -> dict[PersonKey, int]:
        for (event, session), some in counts.items():
            await self.add(event, session, some)
        if self._window != window:
            self._window, self._uses = window, {}
        for key, n in uses.items():
            self._uses[key] = self._uses.get(key, 0) + n
        return {key: self._uses[key] for key in uses}


REACTIONS = KeySpace("reactions")


class Keys:
    @staticmethod
    def counts(event: str, session: str) -> str:  # hash: kind -> reactions since the last event
        return REACTIONS(event, "counts", session)

    @staticmethod
    def uses(event: str, user: str, window: int) -> str:  # a person's reactions in a window
        return REACTIONS(event, "uses", user, str(window))


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

    async def flush(self, counts: Mapping[SessionKey, Mapping[str, int]],
                    uses: Mapping[PersonKey, int], window: int,
                    window_s: int) -> dict[PersonKey, int]:
        pipe = self._client.pipeline(transaction=False)
        for (event, session), some in counts.items():
            for kind, n in some.items():
                pipe.hincrby(Keys.counts(event, session), kind, n)
        for (event, user), n in uses.items():
            pipe.incrby(Keys.uses(event, user, window), n)
            pipe.expire(Keys.uses(event, user, window), window_s + 1)
        results = await pipe.execute()
        totals = results[len(results) - 2 * len(uses):][::2]
        return {key: int(n) for key, n in zip(uses, totals, strict=True)}

    async def take(self, event: str, session: str) -> dict[str, int]:
        flat = await self._take([Keys.counts(event, session)])
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return {text(kind): int(n) for kind, n in pairs}


STORE: StoreKind[ReactionStore] = StoreKind(EmbeddedReactionStore, RedisReactionStore)
