"""Live captions: `caption.line` from a captioner (or a speech-to-text engine with the
captioner role), the `caption` event to everyone in the session, recent lines in the
snapshot, the transcript in the report."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

import msgspec

from ... import topics
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Role, Slug, clean_text
from . import rules
from .rules import Line, Source
from .store import STORE, CaptionStore

if TYPE_CHECKING:
    from ...agenda import EventDef, SessionDef

# A language tag: `en`, `fr`, `pt-BR`, `zh-Hant` (BCP 47's common shapes).
Lang = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")]
LineId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
LINES_PER_MIN = 240  # a fast captioner sends a line every 2-3 s; an engine's interims more


class SendLine(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    text: Annotated[str, msgspec.Meta(max_length=4 * rules.LINE_MAX)]
    lang: Lang = "en"
    # An engine names the line it is building and sends it again, final at last.
    id: LineId | None = None
    final: bool = True
    source: Source = "human"


class CaptionsFeature(Feature):
    name = "captions"
    snapshot_keys: ClassVar = {"captions": {"lines": [], "languages": []}}
    events = ("caption",)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: CaptionStore = host.open_store(STORE)

    def commands(self) -> list[Command]:
        return [Command("caption.line", SendLine, self.line, role=Role.captioner,
                        limit=Limit("caption", LINES_PER_MIN, 60),
                        session=lambda d: d.session)]

    async def line(self, ctx: Context, data: SendLine) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        text = clean_text(data.text, "text", high=rules.LINE_MAX)
        line = Line(id=data.id or "c-" + secrets.token_urlsafe(9), session=session.id,
                    lang=data.lang, text=text, at=int(self.host.clock.time() * 1000),
                    by=ctx.user.id, source=data.source, final=data.final)
        if line.final:
            await self.store.add(ctx.event_id, line)
        await ctx.publish(topics.session(session.id), "caption",
                          {"session": session.id, "line": line.public()})
        return {"line": line.public()}

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        lines = await self.store.lines(ctx.event_id, session.id)
        return {"captions": {"lines": [x.public() for x in rules.recent(lines)],
                             "languages": rules.languages(lines)}}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        lines = await self.store.lines(event.id, session.id)
        transcript = [x.public() for x in lines]
        return {"captions": {"languages": rules.languages(lines), "transcript": transcript},
                "csv": {"Transcript": [{"time": _local(x.at, event.timezone),
                                        "language": x.lang, "text": x.text, "source": x.source}
                                       for x in lines]}}


def _local(ms: int, zone: str) -> str:
    """A time as the event's organisers read it: in the event's own time zone."""
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
