"""Recordings of the stage, for whoever missed a session (another time zone): the list, the
media streamed with range requests (seeking in the player), and its captions as WebVTT.

Any token of the event may watch: the same people could have watched live. A `<video>`
element cannot send a header, so the media and caption URLs also take the token as
`?token=`.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..auth import User
from ..errors import Code, ProtocolError, not_found
from ..features.captions import CaptionsFeature
from ..features.captions import rules as captions
from ..recordings import DirectoryRecordings, Segment
from .edge import answers_problems, bearer, path_slug, reply, services_of

MEDIA_TYPES = {"webm": "video/webm", "mkv": "video/x-matroska"}


class RecordingList(msgspec.Struct):
    recordings: list[Segment]


def _storage(request: Request) -> DirectoryRecordings:
    return DirectoryRecordings(services_of(request).settings.recordings_path)


async def _viewer(request: Request, event_id: str) -> User:
    token = request.query_params.get("token") or bearer(request)
    user = await services_of(request).tokens.read(token)
    if user.event != event_id:
        raise ProtocolError(Code.forbidden, "Recordings are for this event's participants.")
    return user


def _segment(request: Request, event_id: str) -> Segment:
    segment = _storage(request).get(event_id, request.path_params["recording"])
    if segment is None or segment.ended_at is None:
        raise not_found("Recording")
    return segment


@answers_problems
async def list_recordings(request: Request) -> Response:
    event_id = path_slug(request, "event")
    await services_of(request).events.require(event_id)
    await _viewer(request, event_id)
    session = request.query_params.get("session")
    return reply(RecordingList(_storage(request).list(event_id, session)))


@answers_problems
async def stream(request: Request) -> Response:
    event_id = path_slug(request, "event")
    await _viewer(request, event_id)
    segment = _segment(request, event_id)
    # Starlette answers Range requests (206, one or several ranges) from the file.
    return FileResponse(_storage(request).path(segment), media_type=MEDIA_TYPES[segment.container],
                        filename=f"{segment.session}-{segment.id}.{segment.container}")


@answers_problems
async def captions_vtt(request: Request) -> Response:
    event_id = path_slug(request, "event")
    await _viewer(request, event_id)
    segment = _segment(request, event_id)
    lang = request.query_params.get("lang", "en")
    services = services_of(request)
    feature = next(f for f in services.features if isinstance(f, CaptionsFeature))
    lines = await feature.store.lines(event_id, segment.session)
    lines = [x for x in lines if segment.started_at <= x.at <= (segment.ended_at or x.at)]
    return Response(captions.vtt(lines, lang, segment.started_at), media_type="text/vtt")
