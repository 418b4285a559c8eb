"""Media commands: publish, subscribe, unpublish (and list), relayed without re-encoding.

A publisher's peer connection lives in the process that took `media.publish` (its origin);
its entry in the store says which. A viewer's peer connection lives in the process that
holds the viewer's WebSocket: the first viewer of a publisher there makes that process pull
the publisher once (a relay leg, `Pulling`), and every later viewer there is fed from that
leg. A process with no viewer of a publisher holds no leg of it. A leg's signalling goes
over `NodeRPC`; its media over UDP between the processes.

When a process is full (`media_max_viewers`), a new viewer is served by the least-loaded
process that already holds the publisher, and the answer comes back through the same
`media.subscribe` reply; when the origin is full, a new leg is pulled from a relay that holds
one (a cascade). Each process advertises its load (`nodes.py`) every round; a process whose
record went stale is dead: its publishers end, with a `media.publishers` event, and every
leg and viewer tied to it ends.

Peers also end when asked, when their participant leaves the session or disconnects, when
their connection fails, or when they fall silent for `media_idle_timeout_s` (aiortc may
never notice a closed tab).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from typing import Annotated, Any, ClassVar

import msgspec

from ... import topics
from ...agenda import SessionDef
from ...connection import Connection
from ...errors import Code, ProtocolError, bad_request, conflict, forbidden, not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Ident, Slug
from ...recordings import DirectoryRecordings
from ...settings import Settings
from ...tasks import every, survive
from .interpretation import Lang, check_interpretation, check_not_interpretation
from .metrics import MediaCollector
from .nodes import BOOK, NodeLoad
from .peers import Leg, Peers, Pub, View
from .recording import StageRecordings
from .relay import Publishing, Pulling, RelayStats, Upstream, Viewing
from .roster import Changes, Roster
from .rpc import NodeRPC
from .rules import (
    Kind,
    Load,
    Scope,
    check_publish,
    check_sdp,
    check_unpublish,
    check_watch,
    ice_servers,
    leg_source,
    scope_of,
    viewer_host,
)
from .store import STORE, Entry, MediaStore

log = logging.getLogger("plenary.media")

Sdp = Annotated[str, msgspec.Meta(min_length=1, max_length=32_000)]
MAX_PUBLISHERS_PER_CONNECTION = 4
RESTAMP_S = 10.0


class PublishData(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    sdp: Sdp
    session: Slug | None = None
    room: Ident | None = None
    lang: Lang | None = None  # `kind: "interpretation"` only (interpretation.py)


class StateData(msgspec.Struct, forbid_unknown_fields=True):
    """What a publisher sends now: its microphone and camera on or off (absent: as is)."""

    publisher: Ident
    audio: bool | None = None
    video: bool | None = None


class SubscribeData(msgspec.Struct, forbid_unknown_fields=True):
    publisher: Ident
    sdp: Sdp
    audio_only: bool = False  # no video forwarded (selection.py); `media.view` switches


class PublisherData(msgspec.Struct, forbid_unknown_fields=True):
    publisher: Ident


class ViewerData(msgspec.Struct, forbid_unknown_fields=True):
    viewer: Ident


class ViewData(msgspec.Struct, forbid_unknown_fields=True):
    viewer: Ident
    video: bool


class ListData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug | None = None
    room: Ident | None = None


class ViewRequest(msgspec.Struct, forbid_unknown_fields=True):
    """`view` over the node RPC: serve viewer `viewer` of `publisher` (whose origin is
    `origin`) here, for process `node`; `leg`: the viewer is that process's relay leg."""

    publisher: str
    origin: str
    viewer: str
    sdp: str
    node: str
    leg: bool = False
    audio_only: bool = False
    event: str = ""  # whose viewer (told on its user topic when downgraded)
    user: str = ""


class _Watch(msgspec.Struct, frozen=True):
    """A viewer held by process `node` for a connection of this process."""

    node: str
    scope: str


class MediaFeature(Feature):
    name = "media"
    snapshot_keys: ClassVar = {"media": {"publishers": [], "ice_servers": []}}
    events = ("media.publishers", "media.downgraded")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: MediaStore = host.open_store(STORE)
        self.rpc = NodeRPC(host, {"view": self._view_here,
                                      "unpublish": self._unpublish_here,
                                      "close_viewer": self._close_viewer_here,
                                      "set_video": self._set_video_here,
                                      "state": self._state_here})
        self.stats = RelayStats()
        self.peers = Peers(self._publisher_ended, self._close_remote)
        self.recordings = StageRecordings(DirectoryRecordings(host.settings.recordings_path))
        self.roster = Roster(host.open_store(BOOK), host.node,
                             host.settings.presence_ttl_s)
        self._watches: dict[str, dict[str, _Watch]] = {}  # conn id -> viewer id -> where
        host.metrics.registry.register(
            MediaCollector(self.stats, self.peers.counts, self.peers.received_bytes,
                           self.peers.bitrates))

    def commands(self) -> list[Command]:
        return [
            Command("media.publish", PublishData, self.publish, limit=Limit("media", 60, 60)),
            Command("media.subscribe", SubscribeData, self.subscribe,
                    limit=Limit("media", 60, 60)),
            Command("media.unpublish", PublisherData, self.unpublish),
            Command("media.unsubscribe", ViewerData, self.unsubscribe),
            Command("media.view", ViewData, self.view, limit=Limit("media", 60, 60)),
            Command("media.state", StateData, self.state, limit=Limit("media", 60, 60)),
            Command("media.list", ListData, self.list_publishers, session=lambda d: d.session),
        ]

    @property
    def node(self) -> str:
        return self.host.node

    @property
    def _settings(self) -> Settings:
        return self.host.settings

    # -- commands ---------------------------------------------------------------------------
    async def publish(self, ctx: Context, data: PublishData) -> dict[str, Any]:
        scope = scope_of(data.session, data.room)
        member = await self._standing(ctx, scope)
        # Who may publish first (a person without the right learns nothing of their offer).
        if data.kind != "interpretation":
            check_not_interpretation(data.lang)
            on_stage = scope.kind == "session" and await self._on_stage(ctx, scope.id)
            check_publish(ctx.user.role, scope, room_member=member, on_stage=on_stage)
        check_sdp(data.sdp)
        if data.kind == "interpretation":
            check_interpretation(ctx.user.role, scope, data.lang, data.sdp)
        if sum(p.conn is ctx.conn for p in self.peers.pubs.values()) \
                >= MAX_PUBLISHERS_PER_CONNECTION:
            raise conflict(f"At most {MAX_PUBLISHERS_PER_CONNECTION} publishers per connection.")
        peer = Publishing(self._ice("plenary"), self.stats, self._settings.media_address)
        answer = await self._negotiate(peer, peer.answer(data.sdp))
        pid = "p-" + secrets.token_hex(6)
        entry = Entry(pid, ctx.user.id, ctx.user.name, data.kind, str(scope), self.node,
                      lang=data.lang or "")
        self.peers.add_pub(pid, Pub(ctx.event_id, entry, peer, ctx.conn))
        try:
            await self.store.put(ctx.event_id, entry)
            await self._advertise(measure=False)  # its event on record: see _end_publishers_of
            await self._announce(ctx.event_id, scope)
        except BaseException:
            await self.peers.end_pub(pid)  # the client never learns its id: nothing may remain
            raise
        return {"publisher": pid, "sdp": answer}

    async def subscribe(self, ctx: Context, data: SubscribeData) -> dict[str, Any]:
        entry = await self._entry(ctx.event_id, data.publisher)
        scope = Scope.parse(entry.scope)
        member = await self._standing(ctx, scope)
        check_watch(scope, room_member=member)
        check_sdp(data.sdp)
        vid = "v-" + secrets.token_hex(6)
        host = await self._viewer_host(entry)
        reply = await self.rpc.call(host, "view", msgspec.structs.asdict(ViewRequest(
            entry.id, entry.node, vid, data.sdp, self.node, audio_only=data.audio_only,
            event=ctx.event_id, user=ctx.user.id)))
        self._watches.setdefault(ctx.conn.id, {})[vid] = _Watch(host, entry.scope)
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

    async def view(self, ctx: Context, data: ViewData) -> dict[str, Any]:
        """Switch one of this connection's viewers to audio only or back, where it is served."""
        watch = self._watches.get(ctx.conn.id, {}).get(data.viewer)
        if watch is None:
            raise not_found(f"Viewer `{data.viewer}` of this connection")
        await self.rpc.call(watch.node, "set_video", {"viewer": data.viewer,
                                                      "video": data.video})
        return {"viewer": data.viewer, "video": data.video}

    async def state(self, ctx: Context, data: StateData) -> dict[str, Any]:
        """The publisher muted or unmuted its microphone, turned its camera off or on (in
        the browser, without renegotiating): everyone in the scope is told."""
        entry = await self._entry(ctx.event_id, data.publisher)
        if entry.user != ctx.user.id:
            raise forbidden("Only its publisher says what it sends.")
        # Its origin holds the entry it re-stamps: the change is made there.
        return await self.rpc.call(entry.node, "state", msgspec.structs.asdict(data))

    async def _state_here(self, data: dict[str, Any]) -> dict[str, Any]:
        change = msgspec.convert(data, StateData)
        pub = self.peers.pubs.get(change.publisher)
        if pub is None:
            raise not_found(f"Publisher `{change.publisher}`")
        entry = pub.entry
        if change.audio is not None:
            entry.audio = change.audio
        if change.video is not None:
            entry.video = change.video
        await self.store.put(pub.event, entry)
        await self._announce(pub.event, Scope.parse(entry.scope))
        return {"publisher": entry.id, "audio": entry.audio, "video": entry.video}

    async def list_publishers(self, ctx: Context, data: ListData) -> dict[str, Any]:
        scope = scope_of(data.session, data.room)
        member = await self._standing(ctx, scope)
        check_watch(scope, room_member=member)
        return await self._media(ctx.event_id, scope, ctx.user.id)

    # -- checks and placement ---------------------------------------------------------------
    async def _standing(self, ctx: Context, scope: Scope) -> bool:
        """Member of the scope's room; for a session scope, the joined guard (not_found if
        there is no such session, forbidden if not joined)."""
        if scope.kind == "session":
            await ctx.require_joined(scope.id)
            return False
        return await self.host.topic_allowed(ctx.user, topics.room(scope.id))

    async def _on_stage(self, ctx: Context, session: str) -> bool:
        """The stage feature's grant (an attendee a moderator brought on stage)."""
        stage: Any = self.host.peer("stage")
        return bool(await stage.may_publish(ctx.user, session))

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

    async def _loads(self) -> dict[str, Load]:
        """Every live process's load, this one's as it is now."""
        return await self.roster.loads(self._load().load())

    async def _viewer_host(self, entry: Entry) -> str:
        cap = self._settings.media_max_viewers
        if cap <= 0 or self.peers.sending() < cap:
            return self.node  # the common case: no look-up
        host = viewer_host(self.node, await self._loads(), entry.id, entry.node)
        if host is None:
            raise ProtocolError(Code.unavailable, "Every media process is full: retry later.")
        return host

    @staticmethod
    async def _negotiate(peer: Publishing | Viewing, answering: Any) -> str:
        try:
            return str(await answering)
        except Exception as exc:
            await peer.close()
            raise bad_request(f"data.sdp: cannot answer this offer ({exc}).") from None

    # -- in the process that serves a viewer (direct or through NodeRPC) -----------------------
    async def _view_here(self, data: dict[str, Any]) -> dict[str, Any]:
        req = msgspec.convert(data, ViewRequest)
        upstream = self.peers.upstream(req.publisher)
        if upstream is None:
            if req.origin == self.node:
                raise not_found(f"Publisher `{req.publisher}`")
            if req.leg:  # a relay asked for a leg it no longer holds (it never pulls anew)
                raise ProtocolError(Code.unavailable, "The relay let this publisher go: retry.")
            upstream = await self._pull(req.publisher, req.origin)
        try:
            peer = await self._viewing(upstream, req)
        except BaseException:
            await self.peers.let_go(req.publisher)  # a leg pulled for nobody
            raise
        self.peers.add_view(req.viewer, View(req.publisher, peer, req.node, req.leg))
        if self._settings.media_max_viewers > 0:
            await self._advertise(measure=False)  # placement elsewhere sees it at once
        return {"sdp": peer.local_sdp()}

    async def _viewing(self, upstream: Upstream, req: ViewRequest) -> Viewing:
        if not upstream.ready:
            raise conflict("The publisher sends no media yet: retry shortly.")
        peer = Viewing(self._ice("plenary"), upstream, self.stats, self._settings.media_address,
                       video=not req.audio_only)
        if not req.leg and req.user:
            peer.on_downgrade = lambda reason: self._downgraded(req, reason)
        await self._negotiate(peer, peer.answer(req.sdp))
        if upstream.closed:  # it ended while we negotiated
            await peer.close()
            raise not_found(f"Publisher `{req.publisher}`")
        return peer

    def _downgraded(self, req: ViewRequest, reason: str) -> None:
        log.info("viewer %s of %s moved to audio only (%s)", req.viewer, req.publisher, reason)
        self.host.spawn(self.host.publish(req.event, topics.user(req.user), "media.downgraded",
                                          {"viewer": req.viewer, "publisher": req.publisher,
                                           "reason": reason}), "media-downgraded")

    async def _set_video_here(self, data: dict[str, Any]) -> dict[str, Any]:
        view = self.peers.views.get(str(data["viewer"]))
        if view is None:
            raise not_found(f"Viewer `{data['viewer']}`")
        view.peer.set_video(bool(data["video"]))
        return {}

    async def _pull(self, pid: str, origin: str) -> Upstream:
        """The leg of `pid` into this process, pulled now if there is none (once: viewers
        arriving meanwhile wait for the same leg)."""
        async with self.peers.lock(pid):
            held = self.peers.upstream(pid)
            if held is not None:
                return held
            # Without a cap here there may be one elsewhere: the book says.
            source = leg_source(self.node, await self._loads(), pid, origin)
            if source is None:
                raise ProtocolError(Code.unavailable, "Every media process is full: retry later.")
            leg = Pulling(self._ice("plenary"), self.stats, pid, source,
                          self._settings.media_address)
            lid = "l-" + secrets.token_hex(6)
            try:
                offer = await leg.offer()
                reply = await self.rpc.call(source, "view", msgspec.structs.asdict(ViewRequest(
                    pid, origin, lid, offer, self.node, leg=True)))
                await leg.accept(reply["sdp"])
            except BaseException:
                await leg.close()
                raise
            self.peers.add_leg(pid, Leg(lid, leg))
            log.info("pulling %s from %s", pid, source)
            return leg

    async def _unpublish_here(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["publisher"] not in self.peers.pubs:
            raise not_found(f"Publisher `{data['publisher']}`")
        await self.peers.end_pub(data["publisher"])
        return {}

    async def _close_viewer_here(self, data: dict[str, Any]) -> dict[str, Any]:
        await self.peers.end_view(str(data["viewer"]))
        return {}

    async def _publisher_ended(self, pub: Pub) -> None:
        self.recordings.end(pub.entry.id)
        with contextlib.suppress(Exception):
            await self.store.remove(pub.event, pub.entry.id)
            await self._announce(pub.event, Scope.parse(pub.entry.scope))

    def _close_remote(self, node: str, viewer: str) -> None:
        async def close() -> None:
            with contextlib.suppress(Exception):
                await self.rpc.call(node, "close_viewer", {"viewer": viewer}, timeout=5)

        self.host.spawn(close(), "media-close-leg")

    # -- presence hooks ---------------------------------------------------------------------
    async def left(self, conn: Connection, session_id: str) -> None:
        scope = str(Scope("session", session_id))
        for pid, pub in list(self.peers.pubs.items()):
            if pub.conn is conn and pub.entry.scope == scope:
                await self.peers.end_pub(pid)
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

    # -- housekeeping: the vanish timer, the load record, dead processes ------------------------
    async def _reap(self, judge_silence: bool = True) -> None:
        """Close what belongs to connections that are gone, and peers that fell silent
        (unless `judge_silence` is false: this process itself was stalled, and what its peers
        sent meanwhile may still be waiting to be read)."""
        live = {c.id for c in self.host.connections}
        await self.peers.reap(live, self._settings.media_idle_timeout_s if judge_silence
                              else None)
        for conn_id in [c for c in self._watches if c not in live]:
            await self._drop_watches(conn_id, lambda w: True)

    def _load(self) -> NodeLoad:
        counts = self.peers.counts()
        return NodeLoad(
            self.node, publishers=counts["publisher"], viewers=counts["viewer"],
            legs_in=counts["leg_in"], legs_out=counts["leg_out"],
            cap=self._settings.media_max_viewers, pulls=sorted(self.peers.legs),
            events=sorted({p.event for p in self.peers.pubs.values()}))

    async def _advertise(self, measure: bool = True) -> None:
        if await self.roster.advertise(self._load(), measure):
            log.warning("this media process was taken for dead: announcing its publishers")
            self.host.spawn(self._reannounce(), "media-reannounce")

    async def _reannounce(self) -> None:
        for pub in list(self.peers.pubs.values()):
            with survive(log, "announcing a publisher again"):
                await self.store.put(pub.event, pub.entry)
                await self._announce(pub.event, Scope.parse(pub.entry.scope))

    async def _watch_processes(self) -> None:
        """The first to see a process die ends its publishers for everyone; each process
        ends its own legs and viewers tied to one that is gone (in a task of its own: closing
        peers takes time, and the next record must not wait for it)."""
        changes = await self.roster.watch()
        if changes.removed or changes.gone:
            self.host.spawn(self._after(changes), "media-processes-gone")

    async def _after(self, changes: Changes) -> None:
        for dead in changes.removed:
            log.warning("media process %s stopped advertising: ending its publishers",
                        dead.node)
            with survive(log, "ending a dead process's publishers"):
                await self._end_publishers_of(dead)
        for gone in changes.gone:
            await self.peers.forget_node(gone)

    async def _end_publishers_of(self, dead: NodeLoad) -> None:
        for event in dead.events:
            scopes = set()
            for entry in await self.store.of_node(event, dead.node):
                if await self.store.remove(event, entry.id):
                    scopes.add(entry.scope)
            for scope in sorted(scopes):
                await self._announce(event, Scope.parse(scope))

    @property
    def _interval(self) -> float:
        return min(1.0, self._settings.media_idle_timeout_s / 4)

    @property
    def _record_interval(self) -> float:
        return min(1.0, self._settings.presence_ttl_s / 4)

    async def _keep_on_record(self) -> None:
        """Its own loop, with nothing slow in it: a record that goes stale means a dead
        process, never a busy housekeeping round."""
        async for _ in every(self._record_interval):
            with survive(log, "advertising this media process"):
                self.peers.measure(self._record_interval)
                await self._advertise()
                await self._watch_processes()

    async def _run(self) -> None:
        restamped = last = time.monotonic()
        async for _ in every(self._interval):
            now = time.monotonic()
            stalled, last = now - last > 3 * self._interval, now
            with survive(log, "media housekeeping"):  # tried again next round
                await self._reap(judge_silence=not stalled)
                await self.recordings.sync(self.host.events, self.peers.pubs)
                if time.monotonic() - restamped > RESTAMP_S:
                    restamped = time.monotonic()
                    for pub in list(self.peers.pubs.values()):
                        await self.store.put(pub.event, pub.entry)

    # -- snapshot, events -------------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        scope = str(Scope("session", session.id))
        entries = await self.host.snapshots.shared(
            "media", lambda: self.store.in_scope(ctx.event_id, scope))
        return {"media": {"publishers": [e.public() for e in entries],
                          "ice_servers": self._ice(ctx.user.id)}}

    async def _media(self, event: str, scope: Scope, user: str) -> dict[str, Any]:
        entries = await self.store.in_scope(event, str(scope))
        return {"publishers": [e.public() for e in entries], "ice_servers": self._ice(user)}

    async def _announce(self, event: str, scope: Scope) -> None:
        entries = await self.store.in_scope(event, str(scope))
        topic = topics.session(scope.id) if scope.kind == "session" else topics.room(scope.id)
        await self.host.publish(event, topic, "media.publishers",
                                    {"publishers": [e.public() for e in entries]})

    def _ice(self, user: str) -> list[dict[str, Any]]:
        s = self._settings
        return ice_servers(s.ice_servers, s.turn_secret, user, time.time(), s.turn_ttl_s)

    async def start(self) -> None:
        await self.rpc.start()
        with survive(log, "advertising this media process"):
            await self._advertise()
        self.host.spawn(self._run(), "media-housekeeping")
        self.host.spawn(self._keep_on_record(), "media-roster")

    async def stop(self) -> None:
        self.recordings.close()
        await self.peers.close()
        with survive(log, "withdrawing this media process"):
            await self.roster.withdraw()
        await self.rpc.stop()
