"""The server's peer connections: a publisher's (`Publishing`) and each viewer's (`Viewing`).

A publisher's received tracks become `Source`s (forwarder.py); a viewer's connection gets one
sendonly transceiver per source, pinned to the publisher's codec, fed by a `ForwardTrack`.
Each peer notes when it last showed signs of life, for the vanish timer of the feature.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from .forwarder import ForwardTrack, RelayStats, Source
from .rules import media_ssrcs

__all__ = ["Peer", "Publishing", "RelayStats", "Viewing", "configuration"]


def configuration(ice: list[dict[str, Any]]) -> RTCConfiguration:
    """Always an explicit list (maybe empty): aiortc would otherwise use a public STUN."""
    return RTCConfiguration(iceServers=[
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice])


class Peer:
    """A peer connection with the time it last showed signs of life (own vanish timer)."""

    def __init__(self, ice: list[dict[str, Any]]) -> None:
        self.pc = RTCPeerConnection(configuration(ice))
        self.last_seen = time.monotonic()
        self.closed = False

    def seen(self) -> None:
        self.last_seen = time.monotonic()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.pc.close()


class Publishing(Peer):
    """The server's end of a publisher's connection: one `Source` per received track."""

    def __init__(self, ice: list[dict[str, Any]]) -> None:
        super().__init__(ice)
        self.sources: dict[str, Source] = {}
        self.viewers: dict[str, Viewing] = {}
        self._drains: set[asyncio.Task[None]] = set()

    async def answer(self, offer: str) -> str:
        ssrcs = media_ssrcs(offer)

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = next(t.receiver for t in self.pc.getTransceivers()
                            if t.receiver.track is track)
            self.sources[track.kind] = Source(track.kind, receiver, ssrcs.get(track.kind))
            self._watch(receiver)
            self._drain(track)

        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        if not self.sources:
            raise ValueError("the offer sends no audio or video")
        for transceiver in self.pc.getTransceivers():
            codecs = [c for c in transceiver._codecs if not c.mimeType.lower().endswith("/rtx")]
            source = self.sources.get(transceiver.kind)
            if source is not None and codecs:
                source.codec = codecs[0]  # the codec the publisher will send with
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    def _watch(self, receiver: RTCRtpReceiver) -> None:
        """RTCP (sender reports) proves the publisher is there even while it sends no
        frames (a still screen share)."""
        handle = receiver._handle_rtcp_packet

        async def on_rtcp(packet: Any) -> None:
            self.seen()
            await handle(packet)

        receiver._handle_rtcp_packet = on_rtcp  # type: ignore[method-assign]

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
    def last_alive(self) -> float:
        """When the publisher last sent a frame or an RTCP packet."""
        return max([self.last_seen, *(s.last_frame for s in self.sources.values())])

    async def close(self) -> None:
        for viewer in list(self.viewers.values()):
            await viewer.close()
        self.viewers.clear()
        for source in self.sources.values():
            source.close()
        await super().close()
        for task in list(self._drains):
            task.cancel()


class Viewing(Peer):
    """The server's end of one viewer's connection: a sendonly transceiver per source."""

    def __init__(self, ice: list[dict[str, Any]], publishing: Publishing,
                 stats: RelayStats) -> None:
        super().__init__(ice)
        self.publishing = publishing
        self.stats = stats
        self.tracks: list[tuple[Source, ForwardTrack]] = []

    async def answer(self, offer: str) -> str:
        for kind, source in self.publishing.sources.items():
            caps = source.capabilities()
            if not caps:
                continue
            track = ForwardTrack(kind, source.ask_keyframe, self.stats)
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            transceiver.setCodecPreferences(caps)  # before the offer: the answer pins it
            self._watch(transceiver.sender, source)
            self.tracks.append((source, track))
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        for source, track in self.tracks:
            source.viewers.add(track)
        return self.pc.localDescription.sdp

    def _watch(self, sender: RTCRtpSender, source: Source) -> None:
        """A viewer's PLI/FIR asks the publisher; any RTCP from it proves it is still there."""
        handle = sender._handle_rtcp_packet

        async def on_rtcp(packet: Any) -> None:
            self.seen()
            await handle(packet)

        sender._handle_rtcp_packet = on_rtcp  # type: ignore[method-assign]
        sender._send_keyframe = source.ask_keyframe  # type: ignore[method-assign]

    async def close(self) -> None:
        for source, track in self.tracks:
            source.viewers.discard(track)
            track.stop()
        await super().close()
