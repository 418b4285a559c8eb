"""The room screen: what the big screen shows, switched live by a moderator.

`screen.show {session, show}` sets it (poll, questions, code, blank) and publishes
`screen.show {session, show}` to everyone in the session; the snapshot carries `screen`.
The screen itself joins with the display key (Role.display) and renders what attendees may
see, so every poll threshold holds on the wall as on a phone.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec

from .. import topics
from ..agenda import SessionDef
from ..backends.base import Documents
from ..feature import Command, Context, Feature, Host
from ..feature_docs import docs_store
from ..messages import Role, Slug

Show = Literal["code", "poll", "questions", "blank"]
SHOWS: tuple[Show, ...] = ("code", "poll", "questions", "blank")
DEFAULT: Show = "code"


class ShowData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    show: Show


def _name(session_id: str) -> str:
    return f"screen:{session_id}"


class ScreenStore:
    """What each session's room screen shows."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def show(self, event: str, session: str) -> Show:
        shown = (await self._docs.fields(event, _name(session))).get("show")
        return shown if shown in SHOWS else DEFAULT

    async def set_show(self, event: str, session: str, show: Show) -> None:
        await self._docs.set_fields(event, _name(session), {"show": show})


STORE = docs_store("screen", ScreenStore)


class ScreenFeature(Feature):
    name = "screen"
    snapshot_keys: ClassVar = {"screen": {"show": DEFAULT}}
    events = ("screen.show",)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store = host.open_store(STORE)

    def commands(self) -> list[Command]:
        return [Command("screen.show", ShowData, self.show, role=Role.moderator)]

    async def show(self, ctx: Context, data: ShowData) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        await self.store.set_show(ctx.event_id, session.id, data.show)
        event = {"session": session.id, "show": data.show}
        await ctx.publish(topics.session(session.id), "screen.show", event)
        return event

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        return {"screen": {"show": await self.store.show(ctx.event_id, session.id)}}
