"""Breakout report-back into the plenary: a moderator shares chosen rooms' reports with the
whole session, or turns them into the options of a new poll or into Q&A items naming their
room. Reports themselves stay the breakouts feature's (`breakout.report`).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Protocol

import msgspec

from ... import topics
from ...agenda import SessionDef
from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Tables
from ...errors import bad_request, not_found
from ...feature import Command, Context, Feature, Host
from ...messages import Ident, Role, decode, encode
from ..polls.rules import MAX_OPTIONS, MAX_TEXT, CreateData
from .rules import Breakout
from .store import Report

Rooms = Annotated[list[Ident], msgspec.Meta(max_length=MAX_OPTIONS)]


class Share(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident
    rooms: Rooms


class ToPoll(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident
    rooms: Rooms
    title: Annotated[str, msgspec.Meta(max_length=4 * MAX_TEXT)]


class SharedStore(Protocol):
    """The reports on show in each session (the `breakout.shared` object), or none."""

    async def get(self, event: str, session: str) -> dict[str, Any] | None: ...

    async def put(self, event: str, session: str, shared: dict[str, Any]) -> None: ...


class EmbeddedSharedStore:
    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._shared = self._tables.table("reportback.shared", dict)

    async def get(self, event: str, session: str) -> dict[str, Any] | None:
        return self._shared.get((event, session))

    async def put(self, event: str, session: str, shared: dict[str, Any]) -> None:
        self._shared.put((event, session), shared)
        await self._tables.durable()


REPORTBACK = KeySpace("reportback")


class RedisSharedStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def get(self, event: str, session: str) -> dict[str, Any] | None:
        raw = await self._client.get(REPORTBACK(event, "shared", session))
        return None if raw is None else decode(raw)

    async def put(self, event: str, session: str, shared: dict[str, Any]) -> None:
        await self._client.set(REPORTBACK(event, "shared", session), encode(shared))


STORE: StoreKind[SharedStore] = StoreKind(EmbeddedSharedStore, RedisSharedStore)


def chosen(b: Breakout, reports: dict[str, Report], rooms: list[str]) -> list[dict[str, Any]]:
    """The chosen rooms' reports in the rooms' order; `bad_request` for a room without one."""
    names = {r.id: r.name for r in b.rooms}
    for room in rooms:
        if room not in names:
            raise bad_request(f"data.rooms: `{room}` is not a room of breakout `{b.id}`.")
        if room not in reports:
            raise bad_request(f"data.rooms: room `{room}` has no report yet.")
    wanted = set(rooms)
    return [{"room": r.id, "name": r.name, "text": reports[r.id].text,
             "by": {"name": reports[r.id].by_name}} for r in b.rooms if r.id in wanted]


def option(report: dict[str, Any]) -> str:
    """A poll option naming its room, cut to the poll's limit."""
    text = f"{report['name']}: {' '.join(report['text'].split())}"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class ReportBackFeature(Feature):
    name = "reportback"
    snapshot_keys: ClassVar = {"shared_reports": None}

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: SharedStore = host.open_store(STORE)

    def commands(self) -> list[Command]:
        mod = Role.moderator
        return [
            Command("breakout.share", Share, self.share, role=mod),
            Command("breakout.to_poll", ToPoll, self.to_poll, role=mod),
            Command("breakout.to_questions", Share, self.to_questions, role=mod),
        ]

    async def _chosen(self, ctx: Context, data: Share | ToPoll) -> tuple[Breakout,
                                                                          list[dict[str, Any]]]:
        breakouts: Any = self.host.peer("breakouts")
        b = await breakouts.store.get(ctx.event_id, data.breakout)
        if b is None:
            raise not_found(f"Breakout `{data.breakout}`")
        return b, chosen(b, await breakouts.store.reports(ctx.event_id, b.id), data.rooms)

    async def share(self, ctx: Context, data: Share) -> dict[str, Any]:
        """Show these reports beside the stage (an empty list takes them down)."""
        b, reports = await self._chosen(ctx, data)
        shared = {"session": b.session, "breakout": b.id, "reports": reports}
        await self.store.put(ctx.event_id, b.session, shared)
        await ctx.publish(topics.session(b.session), "breakout.shared", shared)
        return shared

    async def to_poll(self, ctx: Context, data: ToPoll) -> dict[str, Any]:
        """A draft poll whose options are the chosen rooms' reports (open it as any poll)."""
        b, reports = await self._chosen(ctx, data)
        if len(reports) < 2:
            raise bad_request("data.rooms: choose at least 2 rooms for a poll.")
        create = CreateData(session=b.session, title=data.title, kind="single",
                            options=[option(r) for r in reports])
        polls: Any = self.host.peer("polls")
        return await polls.create(ctx, create)

    async def to_questions(self, ctx: Context, data: Share) -> dict[str, Any]:
        """One visible Q&A item per chosen report, its room named as the source."""
        b, reports = await self._chosen(ctx, data)
        session = await self.host.events.session(ctx.event_id, b.session)
        qa: Any = self.host.peer("qa")
        made = [await qa.add_item(ctx.event_id, session, r["text"], r["name"], ctx.user)
                for r in reports]
        return {"questions": made}

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        return {"shared_reports": await self.store.get(ctx.event_id, session.id)}
