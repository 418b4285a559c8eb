"""Where recordings are kept: segments of a session's stage, one file per publisher and
stretch of publishing (a publisher that reconnects starts a new segment), each with a small
JSON record beside it. `DirectoryRecordings` keeps them in a folder; another storage (an
object store) implements the same `Recordings` protocol: `create` hands the writer a local
path, `finish` may then upload it, `path` hands a reader one to stream.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol

import msgspec

Container = str  # "webm" (VP8/Opus) | "mkv" (H.264)


class Segment(msgspec.Struct, omit_defaults=True):
    id: str
    event: str
    session: str
    publisher: str  # the publisher's display name
    kind: str  # camera | screen
    container: Container
    started_at: int  # ms since the epoch
    ended_at: int | None = None
    bytes: int = 0

    @property
    def filename(self) -> str:
        return f"{self.id}.{self.container}"

    def public(self) -> dict[str, object]:
        return msgspec.to_builtins(self)


_decoder = msgspec.json.Decoder(Segment)


class Recordings(Protocol):
    def create(self, segment: Segment) -> Path:
        """Register a new segment; the local path its media is written to."""

    def finish(self, segment: Segment) -> None:
        """The segment is complete (its end and size are set)."""

    def list(self, event: str, session: str | None = None) -> list[Segment]:
        """The finished segments of the event (or of one session), oldest first."""

    def get(self, event: str, segment_id: str) -> Segment | None: ...

    def path(self, segment: Segment) -> Path:
        """A local file to stream the segment from."""


def new_id() -> str:
    return "r-" + secrets.token_hex(6)


class DirectoryRecordings:
    """`<root>/<event>/<segment id>.webm` with `<segment id>.json` beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, event: str) -> Path:
        return self.root / event

    def create(self, segment: Segment) -> Path:
        folder = self._folder(segment.event)
        folder.mkdir(parents=True, exist_ok=True)
        self._record(segment)
        return folder / segment.filename

    def finish(self, segment: Segment) -> None:
        self._record(segment)

    def _record(self, segment: Segment) -> None:
        target = self._folder(segment.event) / f"{segment.id}.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(msgspec.json.encode(segment))
        os.replace(temporary, target)  # a reader never sees half a record

    def list(self, event: str, session: str | None = None) -> list[Segment]:
        folder = self._folder(event)
        if not folder.is_dir():
            return []
        found = [_decoder.decode(p.read_bytes()) for p in folder.glob("r-*.json")]
        return sorted((s for s in found if s.ended_at is not None
                       and (session is None or s.session == session)),
                      key=lambda s: (s.started_at, s.id))

    def get(self, event: str, segment_id: str) -> Segment | None:
        if not segment_id.startswith("r-") or not segment_id[2:].isalnum():
            return None
        record = self._folder(event) / f"{segment_id}.json"
        return _decoder.decode(record.read_bytes()) if record.is_file() else None

    def path(self, segment: Segment) -> Path:
        return self._folder(segment.event) / segment.filename
