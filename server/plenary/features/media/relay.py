"""The server's peer connections.

- `Publishing`: a publisher's connection, in the process that took `media.publish` (the
  publisher's *origin*).
- `Pulling`: a relay leg's receiving end: this process pulls a publisher once from another
  process (its origin, or a relay that already pulls it) and serves its own viewers from it.
- `Viewing`: the sending end towards one viewer, or towards another process's leg (a leg
  is, to the process that feeds it, a viewer like any other).

`Publishing` and `Pulling` are `Upstream`s: their received tracks become `Source`s
(forwarder.py) that viewers are fed from. A viewer's connection gets one sendonly
transceiver per source it chose (`Viewing.choose`), pinned to the source's codec, fed by a
`ForwardTrack`. Each peer notes when it last showed signs of life, for the vanish timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from . import aiortc_hooks
from .forwarder import ForwardTrack, RelayStats, Source
from .rules import advertise, media_ssrcs, offered_kinds
from .selection import Ladder, lossy

__all__ = ["Peer", "Publishing", "Pulling", "RelayStats", "Upstream", "Viewing",
           "configuration"]

KINDS = ("video", "audio")


def configuration(ice: list[dict[str, Any]]) -> RTCConfiguration:
    """Always an explicit list (maybe empty): aiortc would otherwise use a public STUN. Never
    TURN: the server is reachable itself, and an unreachable TURN server would hold every
    gathering (~5 s per media.publish) for an allocation the server does not need."""
    return RTCConfiguration(iceServers=[
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice if not _turn(s["urls"])])


def _turn(urls: str | list[str]) -> bool:
    listed = [urls] if isinstance(urls, str) else urls
    return all(u.startswith(("turn:", "turns:")) for u in listed)


class Peer:
    """A peer connection with the time it last showed signs of life (own vanish timer).

    `address` (a setting) is what this process's SDP advertises as its host address.
    """

    def __init__(self, ice: list[dict[str, Any]], address: str = "") -> None:
        self.pc = RTCPeerConnection(configuration(ice))
        self.address = address
        self.created = self.last_seen = time.monotonic()
        self.closed = False

    def seen(self) -> None:
        self.last_seen = time.monotonic()

    def local_sdp(self) -> str:
        return advertise(self.pc.localDescription.sdp, self.address)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.pc.close()


class Upstream(Peer):
    """Where frames come from into this process: one `Source` per received track, and the
    viewers (`Viewing`, by id) fed from them."""

    def __init__(self, ice: list[dict[str, Any]], stats: RelayStats, address: str = "") -> None:
        super().__init__(ice, address)
        self.stats = stats
        self.sources: dict[str, Source] = {}
        self.viewers: dict[str, Viewing] = {}
        self._drains: set[asyncio.Task[None]] = set()

    def _take_tracks(self, remote_sdp: Callable[[], str]) -> None:
        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            transceiver = next(t for t in self.pc.getTransceivers()
                               if t.receiver.track is track)
            ssrc = media_ssrcs(remote_sdp()).get(track.kind)
            self.sources[track.kind] = Source(track.kind, transceiver.receiver, ssrc,
                                              self.stats)
            aiortc_hooks.on_rtcp(transceiver.receiver, self.seen)
            self._drain(track)

    def _pin_codecs(self) -> None:
        """Note the codec each source will arrive in, as negotiated."""
        for transceiver in self.pc.getTransceivers():
            codecs = aiortc_hooks.negotiated_codecs(transceiver)
            source = self.sources.get(transceiver.kind)
            if source is not None and codecs:
                source.codec = codecs[0]

    def _drain(self, track: MediaStreamTrack) -> None:
        """Read the received track to its end, so nothing can pile up behind it."""
        async def drain() -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    await track.recv()

        task = asyncio.get_running_loop().create_task(drain())
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    @property
    def ready(self) -> bool:
        """Its codecs are known: viewers can be answered."""
        return any(s.codec for s in self.sources.values())

    @property
    def last_alive(self) -> float:
        """When the other end last sent a frame or an RTCP packet."""
        return max([self.last_seen, *(s.last_frame for s in self.sources.values())])

    @property
    def received_bytes(self) -> int:
        return sum(s.received_bytes for s in self.sources.values())

    async def close(self) -> None:
        for viewer in list(self.viewers.values()):
            await viewer.close()
        self.viewers.clear()
        for source in self.sources.values():
            source.close()
        await super().close()
        for task in list(self._drains):
            task.cancel()


class Publishing(Upstream):
    """The server's end of a publisher's connection."""

    async def answer(self, offer: str) -> str:
        self._take_tracks(lambda: offer)
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        if not self.sources:
            raise ValueError("the offer sends no audio or video")
        self._pin_codecs()
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.local_sdp()


class Pulling(Upstream):
    """This process's end of a relay leg: it receives a publisher from another process.

    The offer asks for audio and video; the feeding process answers with what the publisher
    sends, pinned to the publisher's codecs (it serves the leg as a `Viewing`).
    """

    def __init__(self, ice: list[dict[str, Any]], stats: RelayStats, publisher: str,
                 source_node: str, address: str = "") -> None:
        super().__init__(ice, stats, address)
        self.publisher = publisher
        self.source_node = source_node
        self._answer = ""

    async def offer(self) -> str:
        for kind in KINDS:
            self.pc.addTransceiver(kind, direction="recvonly")
        self._take_tracks(lambda: self._answer)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.local_sdp()

    async def accept(self, answer: str) -> None:
        self._answer = answer
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        if not self.sources:
            raise ValueError("the leg's answer sends no audio or video")
        self._pin_codecs()


class Viewing(Peer):
    """The server's end of one viewer's connection (or of another process's leg): a sendonly
    transceiver per source it chose."""

    def __init__(self, ice: list[dict[str, Any]], upstream: Upstream, stats: RelayStats,
                 address: str = "", *, video: bool = True) -> None:
        super().__init__(ice, address)
        self.upstream = upstream
        self.stats = stats
        self.tracks: list[tuple[Source, ForwardTrack]] = []
        self.video = video  # False: audio only (selection.py), its video track detached
        # Told when the ladder moves it to audio only (a relay leg has none: never moved).
        self.on_downgrade: Callable[[str], None] | None = None
        self._ladder = Ladder()

    def choose(self, offer: str) -> list[Source]:
        """The sources this viewer receives: those of the upstream whose kind its offer asks
        for (a video-only offer gets no audio), in the offer's order.

        The seam for viewers that pick their tracks (audio only, one interpretation channel
        among several): a subclass or a selection passed in decides here, before the answer.
        """
        return [s for kind in offered_kinds(offer)
                if (s := self.upstream.sources.get(kind)) is not None]

    async def answer(self, offer: str) -> str:
        for source in self.choose(offer):
            caps = source.capabilities()
            if not caps:
                continue
            track = ForwardTrack(source.kind, source.ask_keyframe, self.stats)
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            transceiver.setCodecPreferences(caps)  # before the offer: the answer pins it
            # A viewer's PLI/FIR asks upstream; any RTCP from it proves it is still there.
            aiortc_hooks.on_rtcp(transceiver.sender, self.seen)
            aiortc_hooks.on_keyframe_request(transceiver.sender, source.ask_keyframe)
            if source.kind == "video":
                track.on_overflow = lambda: self._strike("overflow")
                aiortc_hooks.on_loss_report(transceiver.sender, self._reported)
            self.tracks.append((source, track))
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        for source, track in self.tracks:
            if self.video or source.kind != "video":
                source.viewers.add(track)
        return self.local_sdp()

    def set_video(self, on: bool) -> None:
        """Attach (True) or detach (False: audio only) its video track, no renegotiation."""
        self.video = on
        self._ladder.reset()
        for source, track in self.tracks:
            if source.kind != "video":
                continue
            if on and track not in source.viewers:
                source.viewers.add(track)
                source.ask_keyframe()
            elif not on:
                source.viewers.discard(track)
                track.detach()

    def _reported(self, fraction_lost: int) -> None:
        if lossy(fraction_lost):
            self._strike("loss")

    def _strike(self, reason: str) -> None:
        if not self.video or self.on_downgrade is None:
            return
        if self._ladder.strike(time.monotonic()):
            self.set_video(False)
            self.on_downgrade(reason)

    async def close(self) -> None:
        for source, track in self.tracks:
            source.viewers.discard(track)
            track.stop()
        await super().close()
