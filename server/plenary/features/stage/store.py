"""The raised hands and stage grants of each session, shared by every process (Redis) or kept
in this process (embedded backend). Every Redis key of the floor is spelled here."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

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


class MemoryStageStore:
    def __init__(self) -> None:
        self._hands: dict[tuple[str, str], dict[str, Hand]] = {}
        self._grants: dict[tuple[str, str], dict[str, Grant]] = {}

    async def raise_hand(self, event: str, session: str, hand: Hand) -> bool:
        hands = self._hands.setdefault((event, session), {})
        if hand.user in hands:
            return False
        hands[hand.user] = hand
        return True

    async def lower(self, event: str, session: str, user: str) -> bool:
        return self._hands.get((event, session), {}).pop(user, None) is not None

    async def lower_all(self, event: str, session: str) -> None:
        self._hands.pop((event, session), None)

    async def hands(self, event: str, session: str) -> list[Hand]:
        return list(self._hands.get((event, session), {}).values())

    async def raised(self, event: str, session: str, user: str) -> Hand | None:
        return self._hands.get((event, session), {}).get(user)

    async def grant(self, event: str, session: str, grant: Grant) -> bool:
        grants = self._grants.setdefault((event, session), {})
        if grant.user in grants:
            return False
        grants[grant.user] = grant
        return True

    async def revoke(self, event: str, session: str, user: str) -> bool:
        return self._grants.get((event, session), {}).pop(user, None) is not None

    async def granted(self, event: str, session: str, user: str) -> bool:
        return user in self._grants.get((event, session), {})

    async def grants(self, event: str, session: str) -> list[Grant]:
        return list(self._grants.get((event, session), {}).values())


class Keys:
    @staticmethod
    def hands(event: str, session: str) -> str:  # hash: user -> raised hand (JSON)
        return f"plenary:stage:{{{event}}}:hands:{session}"

    @staticmethod
    def grants(event: str, session: str) -> str:  # hash: user -> stage grant (JSON)
        return f"plenary:stage:{{{event}}}:grants:{session}"


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


def open_store(backend: Any) -> StageStore:
    if backend.name == "redis":
        return RedisStageStore(backend.redis)
    return MemoryStageStore()
