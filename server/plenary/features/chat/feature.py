"""The session chat: `chat.say`, and for moderators `chat.delete` and `chat.slow_mode`; closing
and reopening is `session.update {"chat_open"}`. Late joiners get the recent messages in their
snapshot; a deleted message is gone from it, and its event in the topic's history is replaced
by the `chat.deleted` event under the same seq, so replays never carry its text.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, ClassVar

import msgspec

from ... import topics
from ...agenda import SessionDef
from ...backends.base import topic_key
from ...errors import not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Ident, Role, Slug, clean_text, encode
from . import rules
from .rules import Message
from .store import STORE, ChatStore


class Say(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    text: Annotated[str, msgspec.Meta(max_length=4 * rules.TEXT_MAX)]  # then 1 to 1000


class Delete(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    message: Ident


class SlowMode(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    seconds: Annotated[int, msgspec.Meta(ge=0, le=rules.SLOW_MAX_S)]


class ChatFeature(Feature):
    name = "chat"
    events = ("chat.message", "chat.deleted", "chat.slow_mode")
    snapshot_keys: ClassVar = {"chat": {"messages": [], "slow_s": 0}}

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: ChatStore = host.open_store(STORE)

    def commands(self) -> list[Command]:
        limit = self.host.settings.chat_limit_per_min
        return [
            Command("chat.say", Say, self.say, limit=Limit("chat", limit, 60),
                    session=lambda d: d.session),
            Command("chat.delete", Delete, self.delete, role=Role.moderator),
            Command("chat.slow_mode", SlowMode, self.slow_mode, role=Role.moderator),
        ]

    async def say(self, ctx: Context, data: Say) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        text = clean_text(data.text, "text", high=rules.TEXT_MAX)
        state = await self.host.events.state(ctx.event_id, session)
        rules.check_open(state["chat_open"], ctx.user.is_staff)
        moderation: Any = self.host.peer("moderation")
        await moderation.check_voice(ctx.user)
        wait = rules.slowed(await self.store.slow_mode(ctx.event_id, session.id),
                            ctx.user.is_staff)
        if wait and not await self.store.claim_turn(ctx.event_id, session.id, ctx.user.id, wait):
            raise rules.slow_error(wait)
        if self.host.settings.profanity_mask_chat:
            text = moderation.profanity.mask(text)
        message = Message("m-" + secrets.token_urlsafe(9), ctx.user.id, ctx.user.name, text,
                          int(self.host.clock.time() * 1000))
        # Kept before it is published: a joiner in between gets it twice (same id), never not.
        await self.store.add(ctx.event_id, session.id, message,
                             self.host.settings.chat_history_size)
        shown = rules.public(message)
        seq = await ctx.publish(topics.session(session.id), "chat.message",
                                {"session": session.id, "message": shown})
        await self.store.set_seq(ctx.event_id, session.id, message.id, seq)
        return {"message": shown}

    async def delete(self, ctx: Context, data: Delete) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        message = await self.store.delete(ctx.event_id, session.id, data.message)
        if message is None:
            raise not_found(f"Message `{data.message}`")
        gone = {"session": session.id, "message": message.id}
        if message.seq:
            key = topic_key(ctx.event_id, topics.session(session.id))
            await self.host.broker.redact(key, message.seq, "chat.deleted",
                                                      encode(gone))
        await ctx.publish(topics.session(session.id), "chat.deleted", gone)
        return gone

    async def slow_mode(self, ctx: Context, data: SlowMode) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        await self.store.set_slow_mode(ctx.event_id, session.id, data.seconds)
        settings = {"session": session.id, "slow_s": data.seconds}
        await ctx.publish(topics.session(session.id), "chat.slow_mode", settings)
        return settings

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        messages = await self.store.recent(ctx.event_id, session.id)
        return {"chat": {"messages": [rules.public(m) for m in messages],
                         "slow_s": await self.store.slow_mode(ctx.event_id, session.id)}}
