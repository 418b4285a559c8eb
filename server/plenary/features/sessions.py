"""Sessions of the agenda: join (with the consistent snapshot), leave, update, presence."""

from __future__ import annotations

import functools
import logging
from typing import Any

import msgspec

from .. import topics
from ..agenda import SessionDef
from ..backends.base import topic_key
from ..connection import Connection
from ..feature import Command, Context, Feature
from ..liveness import keep_present
from ..messages import Mode, Role, Slug, bad_request, decode, encode
from ..tasks import every, survive
from .presence import counts

log = logging.getLogger("plenary.sessions")


class Join(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    mode: Mode = "remote"


class Leave(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug


class Update(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    live: bool | None = None
    qa_moderated: bool | None = None
    qa_open: bool | None = None
    chat_open: bool | None = None


class SessionsFeature(Feature):
    name = "sessions"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        # presence key -> local connections in that session
        self._local: dict[str, set[Connection]] = {}
        self._dirty: set[str] = set()

    def commands(self) -> list[Command]:
        return [
            Command("session.join", Join, self.join),
            Command("session.leave", Leave, self.leave),
            Command("session.update", Update, self.update, role=Role.moderator),
        ]

    # -- commands ---------------------------------------------------------------------------
    async def join(self, ctx: Context, data: Join) -> dict[str, Any]:
        session = await self.services.events.session(ctx.event_id, data.session)
        if ctx.conn.session is not None:
            await self._leave(ctx.conn)
        names = self.session_topics(ctx, session.id)
        keys = [topic_key(ctx.event_id, t) for t in names]
        for key in keys:
            await self.services.hub.attach(ctx.conn, key)
        seqs = await self.services.backend.broker.last_seqs(keys)
        ctx.conn.session, ctx.conn.mode = session.id, data.mode
        await self._enter(ctx)
        snapshot = await self.snapshot_of(ctx, session)
        snapshot["topics"] = {t: seqs[k] for t, k in zip(names, keys, strict=True)}
        # The snapshot must reach the client before the events that follow it.
        for key in keys:
            ctx.after_reply(functools.partial(self.services.hub.start, ctx.conn, key, seqs[key]))
        return snapshot

    async def leave(self, ctx: Context, data: Leave) -> dict[str, Any]:
        if ctx.conn.session != data.session:
            raise bad_request(f"data.session: not in session `{data.session}`.")
        await self._leave(ctx.conn)
        return {}

    async def update(self, ctx: Context, data: Update) -> dict[str, Any]:
        session = await self.services.events.session(ctx.event_id, data.session)
        given = (("live", data.live), ("qa_moderated", data.qa_moderated),
                 ("qa_open", data.qa_open), ("chat_open", data.chat_open))
        values = {k: v for k, v in given if v is not None}
        if not values:
            raise bad_request("data: give `live`, `qa_moderated`, `qa_open` or `chat_open`.")
        await self.services.events.update_state(ctx.event_id, session.id, values)
        described = await self.services.events.describe(ctx.event_id, session)
        await ctx.publish(topics.session(session.id), "session.updated", {"session": described})
        return {"session": described}

    # -- the snapshot -----------------------------------------------------------------------
    def session_topics(self, ctx: Context, session_id: str) -> list[str]:
        names = [topics.session(session_id)]
        if ctx.user.is_staff:
            names.append(topics.staff(session_id))
        return names

    async def snapshot_of(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        snapshot: dict[str, Any] = {
            "session": await self.services.events.describe(ctx.event_id, session),
            "questions": [], "my_votes": {}, "polls": [], "breakout": None,
            "presence": await self.presence_counts(ctx.event_id, session.id),
            "media": {"publishers": []},
        }
        for feature in self.services.features:
            if feature is not self:
                snapshot.update(await feature.snapshot(ctx, session))
        return snapshot

    async def rejoin(self, ctx: Context, session_id: str) -> None:
        """After a resume of the session topic: the connection is in the session again."""
        ctx.conn.session = session_id
        await self._enter(ctx)

    # -- presence ---------------------------------------------------------------------------
    async def _enter(self, ctx: Context) -> None:
        conn = ctx.conn
        assert conn.session is not None
        key = topic_key(ctx.event_id, topics.session(conn.session))
        await self.services.backend.presence.enter(key, conn.id, ctx.user.id, conn.mode)
        self._local.setdefault(key, set()).add(conn)
        self._dirty.add(key)
        session = await self.services.events.session(ctx.event_id, conn.session)
        for feature in self.services.features:
            await feature.joined(ctx, session)

    async def _leave(self, conn: Connection) -> None:
        session_id = conn.session
        if session_id is None:
            return
        for feature in self.services.features:
            if feature is not self:
                await feature.left(conn, session_id)
        await self.left(conn, session_id)
        for name in (topics.session(session_id), topics.staff(session_id)):
            self.services.hub.detach(conn, topic_key(conn.event, name))
        conn.session = None

    async def left(self, conn: Connection, session_id: str) -> None:
        key = topic_key(conn.event, topics.session(session_id))
        local = self._local.get(key)
        if local is not None:
            local.discard(conn)
            if not local:
                del self._local[key]
        await self.services.backend.presence.leave(key, conn.id)
        self._dirty.add(key)

    async def presence_counts(self, event_id: str, session_id: str) -> dict[str, int]:
        key = topic_key(event_id, topics.session(session_id))
        return counts(*await self.services.backend.presence.count(key))

    async def start(self) -> None:
        self.services.spawn(self._tick(), "presence-tick")
        self.services.spawn(keep_present(self.services, self._local, "presence refresh"),
                            "presence-refresh")

    async def _tick(self) -> None:
        interval = self.services.settings.presence_interval_s
        async for _ in every(interval):
            for key in set(self._local) | self._dirty:
                with survive(log, "presence tick", quiet=True):  # the next tick tries again
                    await self._publish_presence(key, interval)

    async def _publish_presence(self, key: str, interval: float) -> None:
        backend = self.services.backend
        if not await backend.presence.claim_tick(key, interval * 0.9):
            return
        self._dirty.discard(key)
        current = counts(*await backend.presence.count(key))
        last_key = f"presence-last:{key}"
        raw = await backend.docs.get(last_key)
        if raw is not None and decode(raw) == current:
            return
        await backend.docs.put(last_key, encode(current))
        await backend.broker.publish(key, "presence", encode(current))
