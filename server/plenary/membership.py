"""Who is in which session: join (with the consistent snapshot), leave, update, presence.

Membership is core, owned by `Services`, not a feature: it composes the `session.join`
snapshot from every feature's declared `snapshot_keys` and `snapshot()`, calls the
features' `joined`/`left` hooks, and publishes the session's presence counts.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from . import topics
from .agenda import SessionDef
from .backends.base import Documents, split_key, topic_key
from .connection import Connection
from .errors import bad_request, rate_limited
from .feature import Command, Context, Feature, Host
from .liveness import keep_present
from .messages import Mode, Role, Slug, decode, encode
from .tasks import every, survive

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
    recording: bool | None = None  # the stage is recorded (issue 17)


# What membership itself publishes, and its keys of the `session.join` reply.
EVENTS = ("session.updated", "presence")
SNAPSHOT_KEYS = ("session", "presence", "topics", "epochs")


def counts(online: int, in_room: int) -> dict[str, int]:
    """The `presence` event's counts from the backend's `count` (people, not connections)."""
    return {"online": online, "in_room": in_room, "remote": online - in_room}


def session_topics(session_id: str, staff: bool) -> list[str]:
    """The topics a member of the session hears: staff hear the staff topic too."""
    return [topics.session(session_id), *([topics.staff(session_id)] if staff else [])]


class Membership:
    def __init__(self, host: Host, docs: Documents, features: Sequence[Feature]) -> None:
        self.host = host
        self._docs = docs
        self._features = features  # the app's list: features added later take part too
        # presence key -> local connections in that session
        self._local: dict[str, set[Connection]] = {}
        self._dirty: set[str] = set()

    def commands(self) -> list[Command]:
        return [
            Command("session.join", Join, self.join, role=Role.display),
            Command("session.leave", Leave, self.leave, role=Role.display),
            Command("session.update", Update, self.update, role=Role.moderator),
        ]

    # -- commands ---------------------------------------------------------------------------
    async def join(self, ctx: Context, data: Join) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        wait = self.host.budgets.join((ctx.event_id, ctx.user.id))
        if wait:
            raise rate_limited("Too many joins: try again in a moment.", wait)
        if ctx.conn.session is not None:
            await self._leave(ctx.conn)
        names = session_topics(session.id, ctx.user.is_staff)
        keys = [topic_key(ctx.event_id, t) for t in names]
        for key in keys:
            await self.host.hub.attach(ctx.conn, key)
        ctx.conn.session, ctx.conn.mode = session.id, data.mode
        await self._enter(ctx)
        # Read after attaching, before the snapshot: what follows these seqs is sent after it.
        # The session's and its staff topic's positions version the shared reads of the
        # snapshot (snapshots.py): every change it shows moves one of them.
        versioned = [topic_key(ctx.event_id, t) for t in session_topics(session.id, True)]
        at = await self.host.broker.positions({*keys, *versioned})
        with self.host.snapshots.at(ctx.event_id, session.id,
                                    tuple(f"{at[k].epoch}:{at[k].seq}" for k in versioned)):
            snapshot = await self.snapshot(ctx, session)
        snapshot["topics"] = {t: at[k].seq for t, k in zip(names, keys, strict=True)}
        snapshot["epochs"] = {t: at[k].epoch for t, k in zip(names, keys, strict=True)}
        # The snapshot must reach the client before the events that follow it.
        for key in keys:
            ctx.after_reply(functools.partial(self.host.hub.start, ctx.conn, key, at[key].seq))
        return snapshot

    async def leave(self, ctx: Context, data: Leave) -> dict[str, Any]:
        if ctx.conn.session != data.session:  # a wrong argument, not a missing right
            raise bad_request(f"data.session: not in session `{data.session}`.")
        await self._leave(ctx.conn)
        return {}

    async def update(self, ctx: Context, data: Update) -> dict[str, Any]:
        events = self.host.events
        session = await events.session(ctx.event_id, data.session)
        values = {k: v for k, v in (("live", data.live), ("qa_moderated", data.qa_moderated),
                                    ("recording", data.recording)) if v is not None}
        if not values:
            raise bad_request("data: give `live`, `qa_moderated` or `recording`.")
        await events.update_state(ctx.event_id, session.id, values)
        described = await events.describe(ctx.event_id, session)
        await ctx.publish(topics.session(session.id), "session.updated", {"session": described})
        return {"session": described}

    # -- the snapshot -----------------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        """The `session.join` reply: the session, its presence, each feature's keys."""
        async def read() -> tuple[dict[str, Any], dict[str, int]]:
            return (await self.host.events.describe(ctx.event_id, session),
                    await self.presence_counts(ctx.event_id, session.id))

        described, presence = await self.host.snapshots.shared("session", read)
        snapshot: dict[str, Any] = {"session": dict(described), "presence": dict(presence)}
        for feature in self._features:
            snapshot.update(copy.deepcopy(dict(feature.snapshot_keys)))
            snapshot.update(await feature.snapshot(ctx, session))
        return snapshot

    async def resumed(self, ctx: Context, resumed: Iterable[str]) -> None:
        """After `hello` resumed these topics: back in the session of the first session topic."""
        sessions = [t for t in resumed if topics.parse(t)[0] == "session"]
        if sessions:
            ctx.conn.session = topics.parse(sessions[0])[1]
            await self._enter(ctx)

    async def gone(self, conn: Connection) -> None:
        """The connection went away: out of its session, for every feature too."""
        if conn.session is None:
            return
        for feature in self._features:
            with survive(log, f"{feature.name}.left", quiet=True):
                await feature.left(conn, conn.session)
        with survive(log, "presence leave", quiet=True):
            await self._absent(conn, conn.session)

    # -- presence ---------------------------------------------------------------------------
    async def _enter(self, ctx: Context) -> None:
        conn = ctx.conn
        assert conn.session is not None
        key = topic_key(ctx.event_id, topics.session(conn.session))
        await self.host.presence.enter(key, conn.id, ctx.user.id, conn.mode)
        self._local.setdefault(key, set()).add(conn)
        self._dirty.add(key)
        session = await self.host.events.session(ctx.event_id, conn.session)
        for feature in self._features:
            await feature.joined(ctx, session)

    async def _leave(self, conn: Connection) -> None:
        session_id = conn.session
        if session_id is None:
            return
        for feature in self._features:
            await feature.left(conn, session_id)
        await self._absent(conn, session_id)
        for name in session_topics(session_id, staff=True):
            self.host.hub.detach(conn, topic_key(conn.event, name))
        conn.session = None

    async def _absent(self, conn: Connection, session_id: str) -> None:
        key = topic_key(conn.event, topics.session(session_id))
        local = self._local.get(key)
        if local is not None:
            local.discard(conn)
            if not local:
                del self._local[key]
        await self.host.presence.leave(key, conn.id)
        self._dirty.add(key)

    async def presence_counts(self, event_id: str, session_id: str) -> dict[str, int]:
        key = topic_key(event_id, topics.session(session_id))
        return counts(*await self.host.presence.count(key))

    def start(self) -> None:
        self.host.spawn(self._tick(), "presence-tick")
        self.host.spawn(keep_present(self.host, self._local, "presence refresh"),
                        "presence-refresh")

    async def _tick(self) -> None:
        interval = self.host.settings.presence_interval_s
        async for _ in every(interval, self.host.clock):
            for key in set(self._local) | self._dirty:
                with survive(log, "presence tick", quiet=True):  # the next tick tries again
                    await self._publish_presence(key, interval)

    async def _publish_presence(self, key: str, interval: float) -> None:
        if not await self.host.presence.claim_tick(key, interval * 0.9):
            return
        self._dirty.discard(key)
        current = counts(*await self.host.presence.count(key))
        event, topic = split_key(key)
        raw = await self._docs.get(event, f"presence-last:{topic}")
        if raw is not None and decode(raw) == current:
            return
        await self._docs.put(event, f"presence-last:{topic}", encode(current))
        await self.host.broker.publish(key, "presence", encode(current))
