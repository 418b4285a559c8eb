"""Moderation: `user.remove` and `user.mute`, the profanity filter other features use, and the
check at `hello` that refuses a removed person's token.

A removal is recorded (with its reason, in the session report), then announced on a key every
process listens to: each closes that person's connections of its own with 1008. From then on
`hello` refuses their token on every process.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec

from ... import topics
from ...agenda import EventDef, SessionDef
from ...auth import User
from ...backends.base import topic_key
from ...feature import Command, Context, Feature, Host
from ...messages import Ident, Role, clean_text, decode, encode_str
from . import rules
from .profanity import Profanity
from .rules import Removal
from .store import STORE, ModerationStore

log = logging.getLogger("plenary.moderation")

CLOSE_POLICY = 1008
REMOVALS = topic_key("_moderation", "removals")  # every process listens here
REASON_MAX = 500


class Remove(msgspec.Struct, forbid_unknown_fields=True):
    user: Ident
    reason: Annotated[str, msgspec.Meta(max_length=4 * REASON_MAX)]


class Mute(msgspec.Struct, forbid_unknown_fields=True):
    user: Ident
    muted: bool = True


class ModerationFeature(Feature):
    name = "moderation"
    events = ("user.muted", "user.removed")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: ModerationStore = host.open_store(STORE)
        self.profanity = Profanity(host.settings.profanity_languages)

    def commands(self) -> list[Command]:
        return [
            Command("user.remove", Remove, self.remove, role=Role.moderator),
            Command("user.mute", Mute, self.mute, role=Role.moderator),
        ]

    # -- what other features ask ----------------------------------------------------------
    async def refuses(self, user: User) -> str | None:
        return rules.refusal(await self.store.removal(user.event, user.id))

    async def check_voice(self, user: User) -> None:
        """Raise `forbidden` when a moderator muted `user` (chat and Q&A)."""
        if await self.store.muted(user.event, user.id):
            raise rules.muted_error()

    # -- commands ---------------------------------------------------------------------------
    async def remove(self, ctx: Context, data: Remove) -> dict[str, Any]:
        rules.check_target(ctx.user.id, data.user, "remove")
        reason = clean_text(data.reason, "reason", high=REASON_MAX)
        removal = Removal(data.user, reason, ctx.user.name, int(self.host.clock.time() * 1000))
        await self.store.remove(ctx.event_id, removal)
        await self.host.broker.publish(
            REMOVALS, "user.removed", msgspec.json.encode({"event": ctx.event_id,
                                                           "user": data.user}))
        return {"removal": rules.report_row(removal)}

    async def mute(self, ctx: Context, data: Mute) -> dict[str, Any]:
        rules.check_target(ctx.user.id, data.user, "mute")
        await self.store.set_muted(ctx.event_id, data.user, data.muted)
        await ctx.publish(topics.user(data.user), "user.muted", {"muted": data.muted})
        return {"user": data.user, "muted": data.muted}

    # -- every process closes the removed person's connections --------------------------------
    def _on_removal(self, seq: int, frame: str) -> None:
        data = decode(frame)["data"]
        notice = encode_str({"type": "user.removed", "data": {"user": data["user"]}})
        for conn in list(self.host.connections):
            user = conn.user
            if user is not None and user.event == data["event"] and user.id == data["user"]:
                conn.enqueue(notice)
                self.host.spawn(conn.flush_and_close(CLOSE_POLICY, "removed by a moderator"),
                                    "close-removed")

    async def start(self) -> None:
        await self.host.hub.listen(REMOVALS, self._on_removal)

    async def stop(self) -> None:
        await self.host.hub.unlisten(REMOVALS)

    # -- the report ---------------------------------------------------------------------------
    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        rows = [rules.report_row(r) for r in await self.store.removals(event.id)]
        return {"removals": rows, "csv": {"removals": rows}}
