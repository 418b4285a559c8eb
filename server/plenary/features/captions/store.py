"""Where final caption lines live: the embedded backend's tables or a Redis list per session.

Lines are only ever appended; the transcript is a session's lines in time order. Every Redis
key of the feature is spelled in `Keys`, in the feature's one key space.
"""

from __future__ import annotations

from typing import Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from .rules import Line

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Line)


class CaptionStore(Protocol):
    async def add(self, event: str, line: Line) -> None:
        """Keep a final line (a line id sent again replaces nothing: ids are unique)."""

    async def lines(self, event: str, session: str) -> list[Line]:
        """Every final line of the session, in time order."""


class EmbeddedCaptionStore:
    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._rows = self._tables.table("captions.lines", Line)  # (event, session, id)
        self._by_session: dict[tuple[str, str], list[Line]] = {}
        for (event, session, _), line in self._rows.items():
            self._by_session.setdefault((event, session), []).append(line)
        for group in self._by_session.values():
            group.sort(key=lambda x: (x.at, x.id))

    async def add(self, event: str, line: Line) -> None:
        key = (event, line.session, line.id)
        if key not in self._rows:
            self._rows.put(key, line)
            self._by_session.setdefault((event, line.session), []).append(line)
        await self._tables.durable()

    async def lines(self, event: str, session: str) -> list[Line]:
        return list(self._by_session.get((event, session), []))


CAPTIONS = KeySpace("caption")


class Keys:
    @staticmethod
    def lines(event: str, session: str) -> str:
        return CAPTIONS(event, session, "lines")


class RedisCaptionStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def add(self, event: str, line: Line) -> None:
        await self._client.rpush(Keys.lines(event, line.session), _encoder.encode(line))

    async def lines(self, event: str, session: str) -> list[Line]:
        raw = await self._client.lrange(Keys.lines(event, session), 0, -1)
        lines = [_decoder.decode(r) for r in raw]
        return sorted(lines, key=lambda x: (x.at, x.id))


STORE: StoreKind[CaptionStore] = StoreKind(EmbeddedCaptionStore, RedisCaptionStore)
