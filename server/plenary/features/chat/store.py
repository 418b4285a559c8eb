"""The session chat's recent messages (for late joiners), its slow mode and each person's last
post, shared by every process (Redis) or kept in this process. Its Redis keys live here."""

from __future__ import annotations

import time
from typing import Any, Protocol

import msgspec

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from .rules import Message


class ChatStore(Protocol):
    async def add(self, event: str, session: str, message: Message, keep: int) -> None:
        """Keep the message; only the `keep` most recent of the session stay."""

    async def set_seq(self, event: str, session: str, mid: str, seq: int) -> None: ...

    async def delete(self, event: str, session: str, mid: str) -> Message | None:
        """Forget a message; None if it is not (or no longer) kept."""

    async def recent(self, event: str, session: str) -> list[Message]:
        """Oldest first."""

    async def slow_mode(self, event: str, session: str) -> int: ...

    async def set_slow_mode(self, event: str, session: str, seconds: int) -> None: ...

    async def claim_turn(self, event: str, session: str, user: str, seconds: int) -> bool:
        """True if `user` posted no message in the last `seconds`; then starts their wait."""


class EmbeddedChatStore:
    """Rows: messages keyed (event, session, id) and slow mode keyed (event, session); the
    order of each session's messages is rebuilt from their times. Slow-mode turns are short
    and kept in memory only."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._messages = self._tables.table("chat.messages", Message)
        self._slow = self._tables.table("chat.slow", int)
        self._order: dict[tuple[str, str], list[str]] = {}
        for (event, session, mid), _ in sorted(self._messages.items(), key=lambda r: r[1].at):
            self._order.setdefault((event, session), []).append(mid)
        self._turns: dict[tuple[str, str, str], float] = {}

    async def add(self, event: str, session: str, message: Message, keep: int) -> None:
        order = self._order.setdefault((event, session), [])
        self._messages.put((event, session, message.id), message)
        order.append(message.id)
        while len(order) > keep:
            self._messages.pop((event, session, order.pop(0)))
        await self._tables.durable()

    async def set_seq(self, event: str, session: str, mid: str, seq: int) -> None:
        kept = self._messages.get((event, session, mid))
        if kept is not None:
            self._messages.put((event, session, mid), msgspec.structs.replace(kept, seq=seq))
            await self._tables.durable()

    async def delete(self, event: str, session: str, mid: str) -> Message | None:
        gone = self._messages.pop((event, session, mid))
        if gone is not None:
            self._order[event, session].remove(mid)
            await self._tables.durable()
        return gone

    async def recent(self, event: str, session: str) -> list[Message]:
        found = (self._messages.get((event, session, mid))
                 for mid in self._order.get((event, session), ()))
        return [m for m in found if m is not None]

    async def slow_mode(self, event: str, session: str) -> int:
        return self._slow.get((event, session)) or 0

    async def set_slow_mode(self, event: str, session: str, seconds: int) -> None:
        self._slow.put((event, session), seconds)
        await self._tables.durable()

    async def claim_turn(self, event: str, session: str, user: str, seconds: int) -> bool:
        now = time.monotonic()
        if self._turns.get((event, session, user), 0.0) > now:
            return False
        self._turns[event, session, user] = now + seconds
        return True


CHAT = KeySpace("chat")


class Keys:
    @staticmethod
    def messages(event: str, session: str) -> str:  # hash: message id -> message (JSON)
        return CHAT(event, "messages", session)

    @staticmethod
    def order(event: str, session: str) -> str:  # sorted set: message id by time
        return CHAT(event, "order", session)

    @staticmethod
    def settings(event: str, session: str) -> str:  # hash: slow_s
        return CHAT(event, "settings", session)

    @staticmethod
    def turn(event: str, session: str, user: str) -> str:  # expiring: a slowed person waits
        return CHAT(event, "turn", session, user)


# KEYS: messages, order. ARGV: id, JSON, at, keep.
ADD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('HDEL', KEYS[1], unpack(old))
end
"""

# KEYS: messages. ARGV: id, JSON. Only while the message is kept (not deleted meanwhile).
SET_SEQ = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""

# KEYS: messages, order. ARGV: id.
DELETE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return raw
"""

_message = msgspec.json.Decoder(Message)


class RedisChatStore:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._add = client.register_script(ADD)
        self._set_seq = client.register_script(SET_SEQ)
        self._delete = client.register_script(DELETE)

    async def add(self, event: str, session: str, message: Message, keep: int) -> None:
        keys = [Keys.messages(event, session), Keys.order(event, session)]
        await self._add(keys, [message.id, msgspec.json.encode(message), message.at, keep])

    async def set_seq(self, event: str, session: str, mid: str, seq: int) -> None:
        raw = await self._client.hget(Keys.messages(event, session), mid)
        if raw is not None:
            updated = msgspec.structs.replace(_message.decode(raw), seq=seq)
            await self._set_seq([Keys.messages(event, session)],
                                [mid, msgspec.json.encode(updated)])

    async def delete(self, event: str, session: str, mid: str) -> Message | None:
        raw = await self._delete([Keys.messages(event, session), Keys.order(event, session)],
                                 [mid])
        return None if raw is None else _message.decode(raw)

    async def recent(self, event: str, session: str) -> list[Message]:
        ids = await self._client.zrange(Keys.order(event, session), 0, -1)
        if not ids:
            return []
        raws = await self._client.hmget(Keys.messages(event, session), ids)
        return [_message.decode(r) for r in raws if r is not None]

    async def slow_mode(self, event: str, session: str) -> int:
        raw = await self._client.hget(Keys.settings(event, session), "slow_s")
        return int(raw or 0)

    async def set_slow_mode(self, event: str, session: str, seconds: int) -> None:
        await self._client.hset(Keys.settings(event, session), "slow_s", seconds)

    async def claim_turn(self, event: str, session: str, user: str, seconds: int) -> bool:
        key = Keys.turn(event, session, user)
        return bool(await self._client.set(key, b"1", ex=seconds, nx=True))


STORE: StoreKind[ChatStore] = StoreKind(EmbeddedChatStore, RedisChatStore)
