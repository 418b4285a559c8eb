"""Which local publishers are being recorded: those on the stage of a session whose
moderators switched recording on (`session.update {"recording": true}`, the session's live
state, shared by every process). The process that holds a publisher records it, so each
publisher is recorded once, wherever its viewers are.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from ...events import Events
from ...recordings import Recordings, Segment, new_id
from .peers import Pub
from .recorder import Recorder, container_for
from .rules import Scope

log = logging.getLogger("plenary.media")
SINK = "recording"


@dataclasses.dataclass(slots=True)
class _Running:
    segment: Segment
    recorder: Recorder
    pub: Pub


class StageRecordings:
    def __init__(self, storage: Recordings) -> None:
        self.storage = storage
        self._running: dict[str, _Running] = {}  # publisher id -> its segment being written

    @property
    def recording(self) -> set[str]:
        return set(self._running)

    async def sync(self, events: Events, pubs: dict[str, Pub]) -> None:
        """Start what should be recorded and is not; finish what should not be any more."""
        wanted: set[str] = set()
        for pid, pub in list(pubs.items()):
            scope = Scope.parse(pub.entry.scope)
            if scope.kind != "session" or not pub.peer.sources:
                continue
            event = await events.get(pub.event)
            session = event.session(scope.id) if event is not None else None
            if session is None or not (await events.state(pub.event, session))["recording"]:
                continue
            wanted.add(pid)
            if pid not in self._running:
                self._start(pid, pub, scope.id)
        for pid in list(self._running):
            if pid not in wanted:
                self.end(pid)

    def _start(self, pid: str, pub: Pub, session: str) -> None:
        sources = pub.peer.sources
        video = sources.get("video")
        codec = video.codec.name if video is not None and video.codec is not None else None
        segment = Segment(id=new_id(), event=pub.event, session=session,
                          publisher=pub.entry.name, kind=pub.entry.kind,
                          container=container_for(codec), started_at=int(time.time() * 1000))
        path = self.storage.create(segment)
        recorder = Recorder(path, set(sources),
                            video.ask_keyframe if video is not None else (lambda: None))
        for source in sources.values():
            source.sinks[SINK] = recorder.offer
        self._running[pid] = _Running(segment, recorder, pub)
        log.info("recording %s of %s (%s)", segment.id, session, pub.entry.kind)

    def end(self, pid: str) -> None:
        """Finish the publisher's segment (it stopped publishing, or recording was switched
        off): the file gets its index; a segment that never got a frame is not kept."""
        running = self._running.pop(pid, None)
        if running is None:
            return
        for source in running.pub.peer.sources.values():
            source.sinks.pop(SINK, None)
        size = running.recorder.close()
        if not any(running.recorder.frames.values()):
            running.recorder.path.unlink(missing_ok=True)
            size = 0
        segment = running.segment
        segment.ended_at, segment.bytes = int(time.time() * 1000), size
        if size:
            self.storage.finish(segment)

    def close(self) -> None:
        for pid in list(self._running):
            self.end(pid)
