"""Recording a publisher's stage as it is relayed: its encoded frames, never decoded, muxed
into one WebM file (VP8 and Opus; Matroska for H.264) with PyAV.

A `Recorder` attaches one sink to each of the publisher's sources (a source offers every
frame to its sinks as it does to its viewers). The file starts at the first video keyframe
(asked for when recording starts) or, for audio only, at the first audio frame. Each track's
RTP clock is mapped onto milliseconds since the recording started, from the first frame's
arrival, so audio and video stay together however the publisher's clocks began.
"""

from __future__ import annotations

import contextlib
import logging
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from .rules import is_keyframe

log = logging.getLogger("plenary.media")
MS = Fraction(1, 1000)
WRAP = 1 << 32  # RTP timestamps are 32 bits


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 key frame's header (RFC 6386, 9.1)."""
    if len(data) < 10 or data[0] & 0x01 or data[3:6] != b"\x9d\x01\x2a":
        return None
    return (int.from_bytes(data[6:8], "little") & 0x3FFF,
            int.from_bytes(data[8:10], "little") & 0x3FFF)


def container_for(video_codec: str | None) -> str:
    return "mkv" if video_codec is not None and video_codec.lower() == "h264" else "webm"


class _Track:
    """One track of the file: its stream (once the file starts) and its clock's mapping."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.stream: Any = None
        self.first_ts: int | None = None
        self.offset_ms = 0
        self.last_ms = -1
        self.frames = 0

    def ms(self, timestamp: int, clock_rate: int, since_start_ms: int) -> int:
        if self.first_ts is None:
            self.first_ts, self.offset_ms = timestamp, since_start_ms
        elapsed = ((timestamp - self.first_ts) % WRAP) * 1000 // clock_rate
        at = max(self.offset_ms + elapsed, self.last_ms + 1)  # strictly increasing
        self.last_ms = at
        return at


class Recorder:
    """One segment file of one publisher. `offer(kind, codec, data, timestamp)` is called by
    the publisher's sources for every complete encoded frame."""

    def __init__(self, path: Path, kinds: set[str], ask_keyframe: Any) -> None:
        self.path = path
        self.kinds = kinds
        self._ask_keyframe = ask_keyframe
        self._tracks = {kind: _Track(kind) for kind in kinds}
        self._out: Any = None
        self._started = time.monotonic()
        self.closed = False
        self.failed = False
        ask_keyframe()

    def offer(self, kind: str, codec: Any, data: bytes, timestamp: int) -> None:
        if self.closed or self.failed or kind not in self._tracks:
            return
        try:
            if self._out is None and not self._open(kind, codec, data):
                return
            track = self._tracks[kind]
            if track.stream is None:
                return
            since = int((time.monotonic() - self._started) * 1000)
            packet = av.Packet(data)
            packet.stream = track.stream
            packet.pts = packet.dts = track.ms(timestamp, codec.clockRate, since)
            packet.time_base = MS
            if kind == "video" and is_keyframe(codec.name, data):
                packet.is_keyframe = True
            self._out.mux(packet)
            track.frames += 1
        except (av.FFmpegError, OSError, ValueError) as exc:
            # A recording must never take the stage down: this segment ends here.
            self.failed = True
            log.warning("recording %s stopped: %s", self.path.name, exc)

    def _open(self, kind: str, codec: Any, data: bytes) -> bool:
        """Start the file at a video key frame (or, without video, the first audio frame)."""
        if "video" in self.kinds and (kind != "video" or not is_keyframe(codec.name, data)):
            if kind == "video":
                self._ask_keyframe()
            return False
        name = codec.name.lower()
        out = av.open(str(self.path), "w", format="matroska" if self.path.suffix == ".mkv"
                      else "webm")
        if "video" in self.kinds:
            stream = out.add_stream(name)
            width, height = vp8_size(data) or (640, 360)
            stream.width, stream.height = width, height
            stream.time_base = MS
            self._tracks["video"].stream = stream
        if "audio" in self.kinds:
            stream = out.add_stream("opus", rate=48000)
            stream.time_base = MS
            self._tracks["audio"].stream = stream
        self._out = out
        self._started = time.monotonic()
        return True

    @property
    def frames(self) -> dict[str, int]:
        return {kind: track.frames for kind, track in self._tracks.items()}

    def close(self) -> int:
        """Finish the file (its index and duration); its size in bytes (0: nothing kept)."""
        if self.closed:
            return self.path.stat().st_size if self.path.exists() else 0
        self.closed = True
        if self._out is not None:
            with contextlib.suppress(av.FFmpegError, OSError):
                self._out.close()
        return self.path.stat().st_size if self.path.exists() else 0
