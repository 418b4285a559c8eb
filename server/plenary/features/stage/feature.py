"""The floor: `hand.*` and `stage.*`. Moderators and speakers hear the queue (`hands` on the
staff topic); each person's tabs hear about their own hand (`hand` on their user topic); the
whole session hears who is on stage (`stage`).

A stage grant is what `media.publish` checks for an attendee (`may_publish`). It ends when a
moderator ends it, when the person ends it, and when the person's last connection to the
session leaves or drops; their stage publishers end with it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ... import topics
from ...agenda import SessionDef
from ...auth import User
from ...backends.base import topic_key
from ...connection import Connection
from ...errors import not_found
from ...feature import Command, Context, Feature, Host
from ...messages import Ident, Role, Slug
from . import rules
from .rules import Grant, Hand
from .store import STORE, StageStore


class InSession(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug


class Lower(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    user: Ident | None = None


class Someone(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    user: Ident


class End(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    user: Ident | None = None


class StageFeature(Feature):
    name = "stage"
    events = ("hands", "hand", "stage")
    snapshot_keys: ClassVar = {"stage": [], "my_hand": False}  # staff also get "hands"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: StageStore = host.open_store(STORE)

    def commands(self) -> list[Command]:
        return [
            Command("hand.raise", InSession, self.raise_hand, session=_session),
            Command("hand.lower", Lower, self.lower, session=_session),
            Command("hand.clear", InSession, self.clear, role=Role.moderator, session=_session),
            Command("stage.invite", Someone, self.invite, role=Role.moderator, session=_session),
            Command("stage.end", End, self.end, session=_session),
        ]

    # -- the grant, as media.publish asks for it ----------------------------------------------
    async def may_publish(self, user: User, session: str) -> bool:
        """May `user` publish camera and microphone to `session`'s stage?"""
        if rules.may_publish(user.role, False):
            return True
        return await self.store.granted(user.event, session, user.id)

    # -- commands ---------------------------------------------------------------------------
    async def raise_hand(self, ctx: Context, data: InSession) -> dict[str, Any]:
        hand = Hand(ctx.user.id, ctx.user.name, ctx.conn.mode, int(self.host.clock.time() * 1000))
        if await self.store.raise_hand(ctx.event_id, data.session, hand):
            await self._tell_hand(ctx.event_id, data.session, ctx.user.id, True, "self")
        return {"raised": True}

    async def lower(self, ctx: Context, data: Lower) -> dict[str, Any]:
        target = data.user or ctx.user.id
        rules.check_lower(ctx.user.id, ctx.user.role, target)
        by = "self" if target == ctx.user.id else "moderator"
        if await self.store.lower(ctx.event_id, data.session, target):
            await self._tell_hand(ctx.event_id, data.session, target, False, by)
            return {"lowered": True}
        return {"lowered": False}

    async def clear(self, ctx: Context, data: InSession) -> dict[str, Any]:
        hands = await self.store.hands(ctx.event_id, data.session)
        await self.store.lower_all(ctx.event_id, data.session)
        await self._publish_queue(ctx.event_id, data.session)
        for hand in hands:
            await self._tell_user(ctx.event_id, data.session, hand.user, False, "moderator")
        return {"lowered": len(hands)}

    async def invite(self, ctx: Context, data: Someone) -> dict[str, Any]:
        hand = await self.store.raised(ctx.event_id, data.session, data.user)
        if hand is None:
            raise not_found(f"A raised hand of `{data.user}` in this session")
        grant = Grant(hand.user, hand.name, int(self.host.clock.time() * 1000))
        await self.store.grant(ctx.event_id, data.session, grant)
        await self.store.lower(ctx.event_id, data.session, hand.user)
        await self._tell_hand(ctx.event_id, data.session, hand.user, False, "stage")
        await self._publish_stage(ctx.event_id, data.session)
        return {"stage": msgspec.to_builtins(grant)}

    async def end(self, ctx: Context, data: End) -> dict[str, Any]:
        target = data.user or ctx.user.id
        rules.check_end(ctx.user.id, ctx.user.role, target)
        ended = await self._revoke(ctx.event_id, data.session, target)
        return {"ended": ended}

    # -- snapshot and presence --------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        event = ctx.event_id
        out: dict[str, Any] = {
            "stage": rules.on_stage(await self.store.grants(event, session.id)),
            "my_hand": await self.store.raised(event, session.id, ctx.user.id) is not None,
        }
        if ctx.user.is_staff:
            out["hands"] = rules.queue(await self.store.hands(event, session.id))
        return out

    async def left(self, conn: Connection, session_id: str) -> None:
        """The person's last connection to the session is gone: hand down, grant ended."""
        user = conn.user
        if user is None:
            return
        key = topic_key(user.event, topics.session(session_id))
        presence = self.host.presence
        await presence.leave(key, conn.id)  # idempotent: the sessions feature does it too
        if user.id in await presence.members(key):
            return
        if await self.store.lower(user.event, session_id, user.id):
            await self._publish_queue(user.event, session_id)
        await self._revoke(user.event, session_id, user.id)

    # -- helpers ----------------------------------------------------------------------------
    async def _revoke(self, event: str, session: str, user: str) -> bool:
        if not await self.store.revoke(event, session, user):
            return False
        await self._publish_stage(event, session)
        media: Any = self.host.peer("media")
        await media.stop_user(event, session, user)
        return True

    async def _tell_hand(self, event: str, session: str, user: str, raised: bool,
                         by: str) -> None:
        await self._publish_queue(event, session)
        await self._tell_user(event, session, user, raised, by)

    async def _tell_user(self, event: str, session: str, user: str, raised: bool,
                         by: str) -> None:
        await self.host.publish(event, topics.user(user), "hand",
                                    {"session": session, "raised": raised, "by": by})

    async def _publish_queue(self, event: str, session: str) -> None:
        queue = rules.queue(await self.store.hands(event, session))
        await self.host.publish(event, topics.staff(session), "hands",
                                    {"session": session, "queue": queue})

    async def _publish_stage(self, event: str, session: str) -> None:
        on_stage = rules.on_stage(await self.store.grants(event, session))
        await self.host.publish(event, topics.session(session), "stage",
                                    {"session": session, "on_stage": on_stage})


def _session(data: InSession | Lower | Someone | End) -> str:
    return data.session
