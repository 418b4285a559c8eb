"""Fan-out of encoded frames: one received track (`Source`) to many viewer tracks.

aiortc's `RTCRtpReceiver` reassembles complete encoded frames and hands them to a decoder
thread through a queue; `_Tap` takes that queue's place, so the server never decodes. Each
frame becomes one `av.Packet`, shared by every viewer's `ForwardTrack`; a viewer's
`RTCRtpSender` only packetises it (aiortc's path for pre-encoded media), so nothing is
encoded per viewer. A new viewer waits for a keyframe; viewers' keyframe requests become one
throttled PLI to the publisher. Each viewer reads its own bounded queue: a slow one drops
frames (and waits for the next keyframe) while the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import queue
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCRtpCodecCapability,
    RTCRtpCodecParameters,
    RTCRtpReceiver,
    RTCRtpSender,
)
from aiortc.mediastreams import MediaStreamError

from . import aiortc_hooks
from .rules import Throttle, is_keyframe

KEYFRAME_INTERVAL_S = 0.5  # the most often a publisher is asked for a keyframe
VIEWER_QUEUE = 90  # frames (3 s of video) a viewer may lag before it drops to a keyframe
REASK_S = 1.0  # how often a viewer still waiting for a keyframe asks again


@dataclasses.dataclass(slots=True)
class RelayStats:
    """Totals of one process: frames handed to viewers' senders, those of them that were not
    already encoded (each would have cost an encode; the relay keeps it at 0), frames a slow
    viewer lost, and keyframe requests (PLI) sent upstream."""

    forwarded: int = 0
    encoded: int = 0
    dropped: int = 0
    keyframe_requests: int = 0


class ForwardTrack(MediaStreamTrack):
    """What one viewer's sender reads: the publisher's encoded frames, bounded per viewer."""

    def __init__(self, kind: str, ask_keyframe: Callable[[], None], stats: RelayStats,
                 limit: int = VIEWER_QUEUE) -> None:
        super().__init__()
        self.kind = kind
        self._ask_keyframe = ask_keyframe
        self._stats = stats
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(limit)
        self.reading = False  # the sender started: its transport is up
        self.keyed = False  # it had a keyframe since it started (or last dropped)
        self._asked_at = 0.0
        self.overflows = 0  # times its queue overflowed (selection.py counts them)
        self.on_overflow: Callable[[], None] | None = None

    def offer(self, packet: av.Packet, key: bool) -> None:
        """Queue a frame for this viewer; never waits."""
        if not self.reading or self.readyState != "live":
            return
        if not self.keyed:
            if not key:
                self._ask_again()
                return
            self.keyed = True
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:
            self._fall_behind()

    def _ask_again(self) -> None:
        """A keyframe request (or its answer) may be lost on the way: ask again while waiting."""
        now = time.monotonic()
        if now - self._asked_at >= REASK_S:
            self._asked_at = now
            self._ask_keyframe()

    def _fall_behind(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
            self._stats.dropped += 1
        self.keyed = False
        self._asked_at = time.monotonic()
        self._ask_keyframe()
        self.overflows += 1
        if self.on_overflow is not None:
            self.on_overflow()

    def detach(self) -> None:
        """Its source stopped feeding it (audio only): forget what is queued; when fed
        again it waits for a keyframe."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self.keyed = False

    async def recv(self) -> Any:
        if not self.reading:
            self.reading = True
            self._asked_at = time.monotonic()
            self._ask_keyframe()
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        if not isinstance(packet, av.Packet):
            self._stats.encoded += 1
        self._stats.forwarded += 1
        return packet

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)


class _Tap(queue.Queue[Any]):
    """Stands in for a receiver's decoder queue: complete frames go to the source instead."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self._source = source

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:  # the receiver stops: let its (idle) decoder thread end
            super().put(item, block, timeout)
            return
        codec, frame = item
        self._source.on_frame(codec, frame.data, frame.timestamp)


class Source:
    """One received track (audio or video) of a publisher, or of a relay leg pulled from
    another process, fanned out to viewer tracks."""

    def __init__(self, kind: str, receiver: RTCRtpReceiver, ssrc: int | None,
                 stats: RelayStats) -> None:
        self.kind = kind
        self.receiver = receiver
        self.ssrc = ssrc
        self.stats = stats
        self.codec: RTCRtpCodecParameters | None = None
        self.viewers: set[ForwardTrack] = set()
        # Others that take every complete frame as it arrives (a recording), by name.
        self.sinks: dict[str, Callable[[str, RTCRtpCodecParameters, bytes, int], None]] = {}
        self.received_bytes = 0
        self.last_frame = time.monotonic()
        self._throttle = Throttle(KEYFRAME_INTERVAL_S)
        self._owed: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Installed before the receiver starts: its decoder thread then reads from the tap.
        aiortc_hooks.tap_decoder(receiver, _Tap(self))

    def on_frame(self, codec: RTCRtpCodecParameters, data: bytes, timestamp: int) -> None:
        self.codec = codec
        self.received_bytes += len(data)
        self.last_frame = time.monotonic()
        for sink in list(self.sinks.values()):
            sink(self.kind, codec, data, timestamp)
        if not self.viewers:
            return
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = Fraction(1, codec.clockRate)
        key = is_keyframe(codec.name, data)
        for track in self.viewers:
            track.offer(packet, key)

    def ask_keyframe(self) -> None:
        """A viewer needs a keyframe: one PLI per interval, the rest owed to its end."""
        if self.kind != "video":
            return
        loop = asyncio.get_running_loop()
        delay = self._throttle.ask(loop.time())
        if delay == 0:
            self._send_pli()
        elif self._owed is None:
            self._owed = loop.call_later(delay, self._pay_owed)

    def _pay_owed(self) -> None:
        self._owed = None
        if self._throttle.due(asyncio.get_running_loop().time()):
            self._send_pli()

    def _send_pli(self) -> None:
        ssrc = self.ssrc or self._seen_ssrc()
        if ssrc is None:
            return
        self.stats.keyframe_requests += 1
        task = asyncio.get_running_loop().create_task(aiortc_hooks.send_pli(self.receiver, ssrc))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _seen_ssrc(self) -> int | None:
        sources = self.receiver.getSynchronizationSources()
        return sources[0].source if sources else None

    def capabilities(self) -> list[RTCRtpCodecCapability]:
        """The publisher's codec (and its RTX), as a viewer's transceiver must prefer it."""
        codec = self.codec
        if codec is None:
            return []
        caps = RTCRtpSender.getCapabilities(self.kind).codecs
        same = [c for c in caps if c.mimeType.lower() == codec.mimeType.lower()
                and c.clockRate == codec.clockRate and c.parameters == codec.parameters]
        rtx = [c for c in caps if c.mimeType.lower().endswith("/rtx")]
        return same[:1] + rtx if same else []

    def close(self) -> None:
        if self._owed is not None:
            self._owed.cancel()
        for track in list(self.viewers):
            track.stop()
        self.viewers.clear()
        self.sinks.clear()
