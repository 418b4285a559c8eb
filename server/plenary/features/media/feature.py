"""Media commands: publish, subscribe, unpublish (and list), relayed without re-encoding.

A publisher's peer connection lives in the process that took `media.publish`; its entry in
the store says which. A `media.subscribe` (or `media.unpublish`) that arrives elsewhere is
run there through `NodeRPC`. Peers end when asked, when their participant leaves the
session or disconnects, when their connection fails, or when they fall silent for
`media_idle_timeout_s` (aiortc may never notice a closed tab).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import time
from typing import Annotated, Any

import msgspec
from prometheus_client import Counter, Gauge

from ... import topics
from ...agenda import SessionDef
from ...connection import Connection
from ...errors import bad_request, conflict, not_found
from ...feature import Command, Context, Feature, Limit
from ...gateway import topic_allowed
from ...messages import Ident, Slug
from ...tasks import every, survive
from .relay import Publishing, RelayStats, Viewing
from .rpc import NodeRPC
from .rules import (
    Kind,
    Scope,
    check_publish,
    check_sdp,
    check_unpublish,
    check_watch,
    ice_servers,
    scope_of,
)
from .store import Entry, MediaStore, MemoryMediaStore, RedisMediaStore

log = logging.getLogger("plenary.media")

Sdp = Annotated[str, msgspec.Meta(min_length=1, max_length=32_000)]
MAX_PUBLISHERS_PER_CONNECTION = 4
RESTAMP_S = 10.0


class PublishData(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    sdp: Sdp
    session: Slug | None = None
    room: Ident | None = None


class SubscribeData(msgspec.Struct, forbid_unknown_fields=True):
    publisher: Ident
    sdp: Sdp


class PublisherData(msgspec.Struct, forbid_unknown_fields=True):
    publisher: Ident


class ViewerData(msgspec.Struct, forbid_unknown_fields=True):
    viewer: Ident


class ListData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug | None = None
    room: Ident | None = None


@dataclasses.dataclass(slots=True)
class _Pub:
    event: str
    entry: Entry
    peer: Publishing
    conn: Connection


@dataclasses.dataclass(slots=True)
class _View:
    pub: str
    peer: Viewing


@dataclasses.dataclass(frozen=True, slots=True)
class _Watch:
    """A viewer held by process `node` for a connection of this process."""

    node: str
    scope: str


class MediaFeature(Feature):
    name = "media"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        backend = services.backend
        self.store: MediaStore = (RedisMediaStore(backend.redis) if backend.name == "redis"
                                  else MemoryMediaStore())
        self.rpc = NodeRPC(services, {"subscribe": self._subscribe_here,
                                      "unpublish": self._unpublish_here,
                                      "close_viewer": self._close_viewer_here})
        self.stats = RelayStats()
        self._pubs: dict[str, _Pub] = {}
        self._views: dict[str, _View] = {}
        self._watches: dict[str, dict[str, _Watch]] = {}  # conn id -> viewer id -> where
        registry = services.metrics.registry
        self._peers = Gauge("plenary_media_peers", "Media peer connections held by the server",
                            registry=registry, multiprocess_mode="livesum")
        self._forwarded = Counter("plenary_media_frames_forwarded_total",
                                  "Encoded frames handed to viewers' senders", registry=registry)
        self._encoded = Counter("plenary_media_viewer_encodes_total",
                                "Frames a viewer's sender had to encode (the relay keeps 0)",
                                registry=registry)
        self._reported = RelayStats()

    def commands(self) -> list[Command]:
        return [
            Command("media.publish", PublishData, self.publish, limit=Limit("media", 60, 60)),
            Command("media.subscribe", SubscribeData, self.subscribe,
                    limit=Limit("media", 60, 60)),
            Command("media.unpublish", PublisherData, self.unpublish),
            Command("media.unsubscribe", ViewerData, self.unsubscribe),
            Command("media.list", ListData, self.list_publishers),
        ]

    # -- commands ---------------------------------------------------------------------------
    async def publish(self, ctx: Context, data: PublishData) -> dict[str, Any]:
        scope = scope_of(data.session, data.room)
        in_session, member = await self._standing(ctx, scope)
        on_stage = scope.kind == "session" and await self._on_stage(ctx, scope.id)
        check_publish(ctx.user.role, scope, in_session=in_session, room_member=member,
                      on_stage=on_stage)
        check_sdp(data.sdp)
        if sum(p.conn is ctx.conn for p in self._pubs.values()) >= MAX_PUBLISHERS_PER_CONNECTION:
            raise conflict(f"At most {MAX_PUBLISHERS_PER_CONNECTION} publishers per connection.")
        peer = Publishing(self._ice("plenary"))
        answer = await self._negotiate(peer, data.sdp)
        pid = "p-" + secrets.token_hex(6)
        entry = Entry(pid, ctx.user.id, ctx.user.name, data.kind, str(scope), self.services.node)
        self._pubs[pid] = _Pub(ctx.event_id, entry, peer, ctx.conn)
        self._on_failure(peer, lambda: self._end_pub(pid))
        self._count()
        try:
            await self.store.put(ctx.event_id, entry)
            await self._announce(ctx.event_id, scope)
        except BaseException:
            await self._end_pub(pid)  # the client never learns its id: nothing may remain
            raise
        return {"publisher": pid, "sdp": answer}

    async def subscribe(self, ctx: Context, data: SubscribeData) -> dict[str, Any]:
        entry = await self._entry(ctx.event_id, data.publisher)
        scope = Scope.parse(entry.scope)
        in_session, member = await self._standing(ctx, scope)
        check_watch(scope, in_session=in_session, room_member=member)
        check_sdp(data.sdp)
        vid = "v-" + secrets.token_hex(6)
        reply = await self.rpc.call(entry.node, "subscribe", {
            "publisher": entry.id, "viewer": vid, "sdp": data.sdp})
        self._watches.setdefault(ctx.conn.id, {})[vid] = _Watch(entry.node, entry.scope)
        return {"sdp": reply["sdp"], "viewer": vid}

    async def unpublish(self, ctx: Context, data: PublisherData) -> dict[str, Any]:
        entry = await self._entry(ctx.event_id, data.publisher)
        check_unpublish(ctx.user.id, ctx.user.role, entry.user)
        await self.rpc.call(entry.node, "unpublish", {"publisher": entry.id})
        return {}

    async def unsubscribe(self, ctx: Context, data: ViewerData) -> dict[str, Any]:
        watch = self._watches.get(ctx.conn.id, {}).pop(data.viewer, None)
        if watch is None:
            raise not_found(f"Viewer `{data.viewer}` of this connection")
        await self.rpc.call(watch.node, "close_viewer", {"viewer": data.viewer})
        return {}

    async def list_publishers(self, ctx: Context, data: ListData) -> dict[str, Any]:
        scope = scope_of(data.session, data.room)
        in_session, member = await self._standing(ctx, scope)
        check_watch(scope, in_session=in_session, room_member=member)
        return await self._media(ctx.event_id, scope, ctx.user.id)

    # -- checks -----------------------------------------------------------------------------
    async def _standing(self, ctx: Context, scope: Scope) -> tuple[bool, bool]:
        """(in the session, member of the room) for the scope; not_found if no such session."""
        if scope.kind == "session":
            await self.services.events.session(ctx.event_id, scope.id)
            return ctx.conn.session == scope.id, False
        return False, await topic_allowed(self.services, ctx.user, topics.room(scope.id))

    async def _on_stage(self, ctx: Context, session: str) -> bool:
        """The stage feature's grant (an attendee a moderator brought on stage)."""
        stage = self.services.feature("stage")
        return bool(await stage.may_publish(ctx.user, session))  # type: ignore[attr-defined]

    async def stop_user(self, event: str, session: str, user: str) -> None:
        """End `user`'s publishers on `session`'s stage, in whichever process holds them
        (their stage grant ended)."""
        for entry in await self.store.in_scope(event, str(Scope("session", session))):
            if entry.user == user:
                with contextlib.suppress(Exception):
                    await self.rpc.call(entry.node, "unpublish", {"publisher": entry.id})

    async def _entry(self, event: str, pid: str) -> Entry:
        entry = await self.store.get(event, pid)
        if entry is None:
            raise not_found(f"Publisher `{pid}`")
        return entry

    @staticmethod
    async def _negotiate(peer: Publishing | Viewing, offer: str) -> str:
        try:
            return await peer.answer(offer)
        except Exception as exc:
            await peer.close()
            raise bad_request(f"data.sdp: cannot answer this offer ({exc}).") from None

    # -- in the publisher's process (direct or through NodeRPC) ---------------------------------
    async def _subscribe_here(self, data: dict[str, Any]) -> dict[str, Any]:
        pub = self._pubs.get(data["publisher"])
        if pub is None:
            raise not_found(f"Publisher `{data['publisher']}`")
        if not any(s.codec for s in pub.peer.sources.values()):
            raise conflict("The publisher sends no media yet: retry shortly.")
        peer = Viewing(self._ice("plenary"), pub.peer, self.stats)
        answer = await self._negotiate(peer, data["sdp"])
        vid = str(data["viewer"])
        pub.peer.viewers[vid] = peer
        self._views[vid] = _View(pub.entry.id, peer)
        self._on_failure(peer, lambda: self._end_view(vid))
        self._count()
        return {"sdp": answer}

    async def _unpublish_here(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["publisher"] not in self._pubs:
            raise not_found(f"Publisher `{data['publisher']}`")
        await self._end_pub(data["publisher"])
        return {}

    async def _close_viewer_here(self, data: dict[str, Any]) -> dict[str, Any]:
        await self._end_view(str(data["viewer"]))
        return {}

    async def _end_pub(self, pid: str) -> None:
        pub = self._pubs.pop(pid, None)
        if pub is None:
            return
        for vid in list(pub.peer.viewers):
            self._views.pop(vid, None)
        await pub.peer.close()
        self._count()
        with contextlib.suppress(Exception):
            await self.store.remove(pub.event, pid)
            await self._announce(pub.event, Scope.parse(pub.entry.scope))

    async def _end_view(self, vid: str) -> None:
        view = self._views.pop(vid, None)
        if view is None:
            return
        pub = self._pubs.get(view.pub)
        if pub is not None:
            pub.peer.viewers.pop(vid, None)
        await view.peer.close()
        self._count()

    def _on_failure(self, peer: Publishing | Viewing, end: Any) -> None:
        @peer.pc.on("connectionstatechange")
        async def on_state() -> None:
            if peer.pc.connectionState in ("failed", "closed"):
                await end()

    # -- presence hooks and the vanish timer ----------------------------------------------------
    async def left(self, conn: Connection, session_id: str) -> None:
        scope = str(Scope("session", session_id))
        for pid, pub in list(self._pubs.items()):
            if pub.conn is conn and pub.entry.scope == scope:
                await self._end_pub(pid)
        await self._drop_watches(conn.id, lambda w: w.scope == scope)

    async def _drop_watches(self, conn_id: str, which: Any) -> None:
        watches = self._watches.get(conn_id, {})
        for vid, watch in list(watches.items()):
            if which(watch):
                del watches[vid]
                with contextlib.suppress(Exception):
                    await self.rpc.call(watch.node, "close_viewer", {"viewer": vid}, timeout=5)
        if not watches:
            self._watches.pop(conn_id, None)

    async def _reap(self) -> None:
        """Close what belongs to connections that are gone, and peers that fell silent."""
        live = {c.id for c in self.services.connections}
        idle = self.services.settings.media_idle_timeout_s
        now = time.monotonic()
        for pid, pub in list(self._pubs.items()):
            if pub.conn.id not in live or now - pub.peer.last_alive > idle:
                await self._end_pub(pid)
        for vid, view in list(self._views.items()):
            if now - view.peer.last_seen > idle:
                await self._end_view(vid)
        for conn_id in [c for c in self._watches if c not in live]:
            await self._drop_watches(conn_id, lambda w: True)
        self._report()

    async def _run(self) -> None:
        interval = min(1.0, self.services.settings.media_idle_timeout_s / 4)
        restamped = time.monotonic()
        async for _ in every(interval):
            with survive(log, "media housekeeping"):  # tried again next round
                await self._reap()
                if time.monotonic() - restamped > RESTAMP_S:
                    restamped = time.monotonic()
                    for pub in list(self._pubs.values()):
                        await self.store.put(pub.event, pub.entry)

    # -- snapshot, events, metrics --------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        return {"media": await self._media(ctx.event_id, Scope("session", session.id),
                                           ctx.user.id)}

    async def _media(self, event: str, scope: Scope, user: str) -> dict[str, Any]:
        entries = await self.store.in_scope(event, str(scope))
        return {"publishers": [e.public() for e in entries], "ice_servers": self._ice(user)}

    async def _announce(self, event: str, scope: Scope) -> None:
        entries = await self.store.in_scope(event, str(scope))
        topic = topics.session(scope.id) if scope.kind == "session" else topics.room(scope.id)
        await self.services.publish(event, topic, "media.publishers",
                                    {"publishers": [e.public() for e in entries]})

    def _ice(self, user: str) -> list[dict[str, Any]]:
        s = self.services.settings
        return ice_servers(s.ice_servers, s.turn_secret, user, time.time(), s.turn_ttl_s)

    def _count(self) -> None:
        self._peers.set(len(self._pubs) + len(self._views))

    def _report(self) -> None:
        stats, reported = self.stats, self._reported
        self._forwarded.inc(stats.forwarded - reported.forwarded)
        self._encoded.inc(stats.encoded - reported.encoded)
        self._reported = dataclasses.replace(stats)

    async def start(self) -> None:
        await self.rpc.start()
        self.services.spawn(self._run(), "media-housekeeping")

    async def stop(self) -> None:
        for pid in list(self._pubs):
            await self._end_pub(pid)
        for vid in list(self._views):
            await self._end_view(vid)
        await self.rpc.stop()
