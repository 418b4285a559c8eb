"""Attendance and engagement: stays recorded on the presence hooks, figures on demand.

Who a stay belongs to: in an event with `named_attendance`, the user id (and the name, for
organisers' per-attendee sheet); otherwise a keyed pseudonym of the event and the person,
so unique attendees and time present can be counted without keeping who was there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from ...agenda import EventDef, SessionDef
from ...connection import Connection
from ...feature import Context, Feature, Host
from . import rules
from .store import STORE, AttendanceStore


class EngagementFeature(Feature):
    name = "engagement"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: AttendanceStore = host.open_store(STORE)

    async def joined(self, ctx: Context, session: SessionDef) -> None:
        event = await ctx.event()
        who = f"{ctx.user.id}|{ctx.user.name}" if event.named_attendance \
            else self._pseudonym(event.id, ctx.user.id)
        await self.store.enter(event.id, session.id, ctx.conn.id, who, ctx.conn.mode,
                               self._now_ms())

    async def left(self, conn: Connection, session_id: str) -> None:
        if conn.user is not None:
            await self.store.leave(conn.user.event, session_id, conn.id, self._now_ms())

    def _now_ms(self) -> int:
        return int(self.host.clock.time() * 1000)

    def _pseudonym(self, event: str, user: str) -> str:
        key = self.host.settings.secret.encode()
        return hmac.new(key, f"attendance|{event}|{user}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    async def stays(self, event: EventDef, session: SessionDef) -> list[rules.Stay]:
        return await self.store.stays(event.id, session.id, self._now_ms())

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        stays = await self.stays(event, session)
        figures = rules.session_figures(stays, *agenda_ms(session))
        return {"attendance": figures, "csv": {"attendance": [figures]}}


def agenda_ms(session: SessionDef) -> tuple[int | None, int | None]:
    """The session's agenda times as unix ms (None where missing or unreadable)."""
    return _ms(session.starts_at), _ms(session.ends_at)


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)
