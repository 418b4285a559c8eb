"""What the event hands out: iCalendar feeds (the event, one session) and the room screen's
invitation (join link, short code, QR code drawn on the server by segno)."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import icalendar
import msgspec
import segno
from starlette.requests import Request
from starlette.responses import Response

from ..agenda import EventDef, SessionDef, parse_time
from ..errors import Code, ProtocolError
from ..links import base_url, join_link
from ..messages import Role
from .edge import answers_problems, path_slug, reply, require_user, services_of

ICS_TYPE = "text/calendar; charset=utf-8"


def calendar(event: EventDef, sessions: list[SessionDef], base: str) -> icalendar.Calendar:
    """The sessions that have times, in the event's time zone (VTIMEZONE included)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Plenary//Agenda//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    cal.add("x-wr-timezone", event.timezone)
    zone = zoneinfo.ZoneInfo(event.timezone)
    stamp = datetime.datetime.now(datetime.UTC)
    for session in sessions:
        start = parse_time(session.starts_at, "starts_at")
        if start is None:
            continue
        cal.add_component(_vevent(event, session, start.astimezone(zone), zone, base, stamp))
    cal.add_missing_timezones()
    return cal


def _vevent(event: EventDef, session: SessionDef, start: datetime.datetime,
            zone: zoneinfo.ZoneInfo, base: str, stamp: datetime.datetime) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"{session.id}.{event.id}@plenary")
    item.add("dtstamp", stamp)
    item.add("summary", session.title)
    item.add("dtstart", start)
    end = parse_time(session.ends_at, "ends_at")
    item.add("dtend", end.astimezone(zone) if end else start + datetime.timedelta(hours=1))
    if session.room:
        item.add("location", session.room)
    lines = [f"With {', '.join(session.speakers)}"] if session.speakers else []
    lines += [f"Track: {session.track}"] if session.track else []
    lines += [session.description] if session.description else []
    if lines:
        item.add("description", "\n\n".join(lines))
    item.add("url", f"{base}/#/session/{session.id}")
    return item


def _ics(cal: icalendar.Calendar, name: str) -> Response:
    return Response(cal.to_ical(), media_type=ICS_TYPE,
                    headers={"content-disposition": f'inline; filename="{name}.ics"'})


@answers_problems
async def event_calendar(request: Request) -> Response:
    event = await services_of(request).events.require(path_slug(request, "event"))
    base = base_url(services_of(request).settings, str(request.base_url))
    return _ics(calendar(event, event.sessions, base), event.id)


@answers_problems
async def session_calendar(request: Request) -> Response:
    services = services_of(request)
    event_id = path_slug(request, "event")
    event = await services.events.require(event_id)
    session = await services.events.session(event_id, path_slug(request, "session"))
    base = base_url(services.settings, str(request.base_url))
    return _ics(calendar(event, [session], base), f"{event.id}-{session.id}")


class Invite(msgspec.Struct):
    link: str
    qr_svg: str  # the link as a QR code, an SVG document
    short_code: str | None = None
    code: str | None = None  # the attendees' code, when there is no short code


def qr_svg(link: str) -> str:
    out = io.BytesIO()
    # Dark on light with a wide quiet zone: phones read it from the back of the room.
    segno.make(link, error="m").save(out, kind="svg", scale=10, border=4, dark="#000",
                                     light="#fff", xmldecl=False)
    return out.getvalue().decode()


@answers_problems
async def invite(request: Request) -> Response:
    """For the room screen and the organisers: needs a display, speaker or moderator token
    (the join code is on it)."""
    services = services_of(request)
    event_id = path_slug(request, "event")
    user = await require_user(request, event_id, Role.display, "The invitation")
    if user.role is Role.attendee:
        raise ProtocolError(Code.forbidden, "The invitation is for the room screen and staff.")
    event = await services.events.require(event_id)
    link = join_link(base_url(services.settings, str(request.base_url)), event)
    return reply(Invite(link=link, qr_svg=qr_svg(link), short_code=event.short_code,
                        code=None if event.short_code else event.codes.attendee))

