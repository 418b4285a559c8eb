"""The raised hands and stage grants of each session, shared by every process (Redis) or kept
in this process (embedded backend). Every Redis key of the floor is spelled here."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from .rules import Grant, Hand


class StageStore(Protocol):
    async def raise_hand(self, event: str, session: str, hand: Hand) -> bool:
        """Add the hand unless the person's is already up (then False: it keeps its place)."""

    async def lower(self, event: str, session: str, user: str) -> bool:
        """False if that hand was not up."""

    async def lower_all(self, event: str, session: str) -> None: ...

    async def hands(self, event: str, session: str) -> list[Hand]: ...

    async def raised(self, event: str, session: str, user: str) -> Hand | None: ...

    async def grant(self, event: str, session: str, grant: Grant) -> bool:
        """False if the person was already on stage."""

    async def revoke(self, event: str, session: str, user: str) -> bool:
        """False if the person was not on stage."""

    async def granted(self, event: str, session: str, user: str) -> bool: ...

    async def grants(self, event: str, session: str) -> list[Grant]: ...


class EmbeddedStageStore:
    """Rows: hands and grants keyed (event, session, user); one turn of the loop each."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._hands = self._tables.table("stage.hands", Hand)
        self._grants = self._tables.table("stage.grants", Grant)

    async def raise_hand(self, event: str, session: str, hand: Hand) -> bool:
        if (event, session, hand.user) in self._hands:
            return False
        self._hands.put((event, session, hand.user), hand)
        await self._tables.durable()
        return True

    async def lower(self, event: str, session: str, user: str) -> bool:
        gone = self._hands.pop((event, session, user)) is not None
        await self._tables.durable()
        return gone

    async def lower_all(self, event: str, session: str) -> None:
        for key, _ in self._hands.items():
            if key[:2] == (event, session):
                self._hands.pop(key)
        await self._tables.durable()

    async def hands(self, event: str, session: str) -> list[Hand]:
        return [h for key, h in self._hands.items() if key[:2] == (event, session)]

    async def raised(self, event: str, session: str, user: str) -> Hand | None:
        return self._hands.get((event, session, user))

    async def grant(self, event: str, session: str, grant: Grant) -> bool:
        if (event, session, grant.user) in self._grants:
            return False
        self._grants.put((event, session, grant.user), grant)
        await self._tables.durable()
        return True

    async def revoke(self, event: str, session: str, user: str) -> bool:
        gone = self._grants.pop((event, session, user)) is not None
        await self._tables.durable()
        return gone

    async def granted(self, event: str, session: str, user: str) -> bool:
        return (event, session, user) in self._grants

    async def grants(self, event: str, session: str) -> list[Grant]:
        return [g for key, g in self._grants.items() if key[:2] == (event, session)]


STAGE = KeySpace("stage")


class Keys:
    @staticmethod
    def hands(event: str, session: str) -> str:  # hash: user -> raised hand (JSON)
        return STAGE(event, "hands", session)

    @staticmethod
    def grants(event: str, session: str) -> str:  # hash: user -> stage grant (JSON)
        return STAGE(event, "grants", session)


_hand = msgspec.json.Decoder(Hand)
_grant = msgspec.json.Decoder(Grant)


class RedisStageStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def raise_hand(self, event: str, session: str, hand: Hand) -> bool:
        raw = msgspec.json.encode(hand)
        return bool(await self._client.hsetnx(Keys.hands(event, session), hand.user, raw))

    async def lower(self, event: str, session: str, user: str) -> bool:
        return bool(await self._client.hdel(Keys.hands(event, session), user))

    async def lower_all(self, event: str, session: str) -> None:
        await self._client.delete(Keys.hands(event, session))

    async def hands(self, event: str, session: str) -> list[Hand]:
        raw = await self._client.hvals(Keys.hands(event, session))
        return [_hand.decode(r) for r in raw]

    async def raised(self, event: str, session: str, user: str) -> Hand | None:
        raw = await self._client.hget(Keys.hands(event, session), user)
        return None if raw is None else _hand.decode(raw)

    async def grant(self, event: str, session: str, grant: Grant) -> bool:
        raw = msgspec.json.encode(grant)
        return bool(await self._client.hsetnx(Keys.grants(event, session), grant.user, raw))

    async def revoke(self, event: str, session: str, user: str) -> bool:
        return bool(await self._client.hdel(Keys.grants(event, session), user))

    async def granted(self, event: str, session: str, user: str) -> bool:
        return bool(await self._client.hexists(Keys.grants(event, session), user))

    async def grants(self, event: str, session: str) -> list[Grant]:
        raw = await self._client.hvals(Keys.grants(event, session))
        return [_grant.decode(r) for r in raw]


STORE: StoreKind[StageStore] = StoreKind(EmbeddedStageStore, RedisStageStore)
