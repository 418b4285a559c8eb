"""Every media peer connection one process holds, by role, and how each one ends.

- publishers (`Publishing`), here because their participant published on this process;
- viewers (`Viewing`) of a local publisher or of a leg: for this process's connections, for
  another process's connections when this one was chosen to serve them, or towards another
  process's leg (`View.leg`);
- legs (`Pulling`): at most one per publisher of another process, held while at least one
  local viewer watches it. The last viewer's end ends the leg.

Ending an upstream (publisher or leg) ends every viewer fed from it. Negotiation and the
remote half of a leg (asking the feeding process) are done by the caller (feature.py),
which passes the answers in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections.abc import Awaitable, Callable

from ...connection import Connection
from .relay import Peer, Publishing, Pulling, Upstream, Viewing
from .store import Entry

log = logging.getLogger("plenary.media")

Ended = Callable[[], Awaitable[None]]


@dataclasses.dataclass(slots=True)
class Pub:
    event: str
    entry: Entry
    peer: Publishing
    conn: Connection


@dataclasses.dataclass(slots=True)
class View:
    publisher: str
    peer: Viewing
    node: str  # the process whose connection (or leg) it serves
    leg: bool


@dataclasses.dataclass(slots=True)
class Leg:
    id: str  # its viewer id in the feeding process
    peer: Pulling


class Peers:
    def __init__(self, on_publisher_end: Callable[[Pub], Awaitable[None]],
                 close_remote: Callable[[str, str], None]) -> None:
        self.pubs: dict[str, Pub] = {}
        self.views: dict[str, View] = {}
        self.legs: dict[str, Leg] = {}  # publisher id -> its leg into this process
        self._on_publisher_end = on_publisher_end
        self._close_remote = close_remote  # (node, viewer id): end a leg's feeding end
        # A lock lives while someone holds or awaits it: pulls of one publisher share it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())
        self._received: dict[tuple[str, str], int] = {}
        self._bitrates: dict[tuple[str, str], float] = {}

    # -- what is held -----------------------------------------------------------------------
    def upstream(self, pid: str) -> Upstream | None:
        """What feeds viewers of `pid` here: its publisher, or the leg pulling it."""
        pub = self.pubs.get(pid)
        if pub is not None:
            return pub.peer
        leg = self.legs.get(pid)
        return leg.peer if leg is not None else None

    def counts(self) -> dict[str, int]:
        legs_out = sum(v.leg for v in self.views.values())
        return {"publisher": len(self.pubs), "viewer": len(self.views) - legs_out,
                "leg_out": legs_out, "leg_in": len(self.legs)}

    def sending(self) -> int:
        """Peers this process sends media to: viewers and legs out (what the cap counts)."""
        return len(self.views)

    def lock(self, pid: str) -> asyncio.Lock:
        """Held while a leg of `pid` is being pulled: later viewers wait and share it."""
        lock = self._locks.get(pid)
        if lock is None:
            lock = self._locks[pid] = asyncio.Lock()
        return lock

    # -- adding -----------------------------------------------------------------------------
    def add_pub(self, pid: str, pub: Pub) -> None:
        self.pubs[pid] = pub
        self._on_failure(pub.peer, lambda: self.end_pub(pid))

    def add_view(self, vid: str, view: View) -> None:
        self.views[vid] = view
        view.peer.upstream.viewers[vid] = view.peer
        self._on_failure(view.peer, lambda: self.end_view(vid))

    def add_leg(self, pid: str, leg: Leg) -> None:
        self.legs[pid] = leg
        self._on_failure(leg.peer, lambda: self.end_leg(pid))

    def _on_failure(self, peer: Peer, end: Ended) -> None:
        @peer.pc.on("connectionstatechange")
        async def on_state() -> None:
            if peer.pc.connectionState in ("failed", "closed"):
                await end()

    # -- ending -----------------------------------------------------------------------------
    async def end_pub(self, pid: str) -> None:
        pub = self.pubs.pop(pid, None)
        if pub is None:
            return
        self._forget_viewers_of(pub.peer)
        await pub.peer.close()
        await self._on_publisher_end(pub)

    async def end_leg(self, pid: str, *, tell: bool = True) -> None:
        leg = self.legs.pop(pid, None)
        if leg is None:
            return
        self._forget_viewers_of(leg.peer)
        await leg.peer.close()
        if tell:  # its DTLS close says so too, but a datagram may be lost
            self._close_remote(leg.peer.source_node, leg.id)

    async def end_view(self, vid: str) -> None:
        view = self.views.pop(vid, None)
        if view is None:
            return
        upstream = view.peer.upstream
        upstream.viewers.pop(vid, None)
        await view.peer.close()
        leg = self.legs.get(view.publisher)
        if leg is not None and leg.peer is upstream and not upstream.viewers:
            await self.end_leg(view.publisher)  # nobody here watches it any more

    async def let_go(self, pid: str) -> None:
        """End the leg of `pid` if nobody watches it (its first viewer failed)."""
        leg = self.legs.get(pid)
        if leg is not None and not leg.peer.viewers:
            await self.end_leg(pid)

    def _forget_viewers_of(self, upstream: Upstream) -> None:
        for vid in list(upstream.viewers):
            self.views.pop(vid, None)

    async def forget_node(self, node: str) -> None:
        """Process `node` is gone: end what fed it and what it fed us."""
        for vid in [v for v, view in self.views.items() if view.node == node]:
            await self.end_view(vid)
        for pid in [p for p, leg in self.legs.items() if leg.peer.source_node == node]:
            await self.end_leg(pid, tell=False)

    async def reap(self, live: set[str], idle_s: float | None) -> None:
        """End publishers whose connection is gone, and (unless `idle_s` is None) peers
        that fell silent for `idle_s`."""
        for pid, pub in list(self.pubs.items()):
            if pub.conn.id not in live:
                await self.end_pub(pid)
        if idle_s is None:
            return
        now = time.monotonic()
        for pid, pub in list(self.pubs.items()):
            if now - pub.peer.last_alive > idle_s:
                await self.end_pub(pid)
        for pid, leg in list(self.legs.items()):
            if now - leg.peer.last_alive > idle_s:
                log.info("the leg of %s from %s fell silent", pid, leg.peer.source_node)
                await self.end_leg(pid)
            elif not leg.peer.viewers and now - leg.peer.created > idle_s:
                await self.end_leg(pid)  # nobody watches it (a safety net: see let_go)
        for vid, view in list(self.views.items()):
            if now - view.peer.last_seen > idle_s:
                await self.end_view(vid)

    async def close(self) -> None:
        for pid in list(self.pubs):
            await self.end_pub(pid)
        for pid in list(self.legs):
            await self.end_leg(pid)
        for vid in list(self.views):
            await self.end_view(vid)

    def received_bytes(self) -> dict[tuple[str, str], int]:
        """(publisher, feeding process) -> bytes received so far, per leg."""
        return {(pid, leg.peer.source_node): leg.peer.received_bytes
                for pid, leg in self.legs.items()}

    def measure(self, interval_s: float) -> None:
        """Each leg's bitrate over the last `interval_s` (called once per interval)."""
        now = self.received_bytes()
        self._bitrates = {key: (total - self._received.get(key, total)) * 8 / interval_s
                          for key, total in now.items()}
        self._received = now

    def bitrates(self) -> dict[tuple[str, str], float]:
        """(publisher, feeding process) -> bits per second, per leg, as last measured."""
        return self._bitrates

