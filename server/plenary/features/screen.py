"""The room screen: what the big screen shows, switched live by a moderator.

`screen.show {session, show}` sets it (poll, questions, code, blank) and publishes
`screen.show {session, show}` to everyone in the session; the snapshot carries `screen`.
The screen itself joins with the display key (Role.display) and renders what attendees may
see, so every poll threshold holds on the wall as on a phone.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from .. import topics
from ..agenda import SessionDef
from ..feature import Command, Context, Feature
from ..messages import Role, Slug

Show = Literal["code", "poll", "questions", "blank"]
DEFAULT: Show = "code"


class ShowData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    show: Show


def _key(event_id: str, session_id: str) -> str:
    return f"screen:{event_id}:{session_id}"


class ScreenFeature(Feature):
    name = "screen"

    def commands(self) -> list[Command]:
        return [Command("screen.show", ShowData, self.show, role=Role.moderator)]

    async def show(self, ctx: Context, data: ShowData) -> dict[str, Any]:
        session = await self.services.events.session(ctx.event_id, data.session)
        await self.services.backend.docs.set_fields(_key(ctx.event_id, session.id),
                                                     {"show": data.show})
        event = {"session": session.id, "show": data.show}
        await ctx.publish(topics.session(session.id), "screen.show", event)
        return event

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        fields = await self.services.backend.docs.fields(_key(ctx.event_id, session.id))
        return {"screen": {"show": fields.get("show", DEFAULT)}}
