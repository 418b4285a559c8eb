"""The HTTP API's events: list, create, read, replace, delete, export, rotate join codes; and
the session report. Organisers use the admin key (or their sign-in token) as bearer."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..agenda import EventDef, parse_agenda
from ..errors import bad_request, conflict, not_found
from ..messages import Role, convert
from .edge import (
    answers_problems,
    path_slug,
    raw_body,
    reply,
    require_organiser,
    require_user,
    services_of,
)
from .report import render_report


class EventSummary(msgspec.Struct):
    id: str
    title: str
    timezone: str
    sessions: int
    short_code: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None


class EventList(msgspec.Struct):
    events: list[EventSummary]


class Rotated(msgspec.Struct):
    role: str
    code: str


def summary(event: EventDef) -> EventSummary:
    return EventSummary(id=event.id, title=event.title, timezone=event.timezone,
                        sessions=len(event.sessions), short_code=event.short_code,
                        starts_on=event.starts_on, ends_on=event.ends_on)


async def agenda_body(request: Request) -> EventDef:
    """An event definition as JSON, or as TOML (`Content-Type: application/toml`)."""
    toml = "toml" in request.headers.get("content-type", "")
    return parse_agenda(await raw_body(request), toml=toml)


@answers_problems
async def list_events(request: Request) -> Response:
    await require_organiser(request)
    events = await services_of(request).events.all()
    return reply(EventList([summary(e) for e in events]))


@answers_problems
async def create_event(request: Request) -> Response:
    await require_organiser(request)
    event = await agenda_body(request)
    services = services_of(request)
    replace = request.query_params.get("replace") == "1"  # importing a file again
    if not replace and await services.events.get(event.id) is not None:
        raise conflict(f"id: event `{event.id}` exists; PUT /api/events/{event.id} replaces it.")
    await services.events.put(event)
    return JSONResponse(event.public(), status_code=201)


@answers_problems
async def put_event(request: Request) -> Response:
    await require_organiser(request)
    event_id = path_slug(request, "event")
    event = await agenda_body(request)
    if event.id != event_id:
        raise bad_request(f"id: the body's id `{event.id}` differs from the path's.")
    services = services_of(request)
    created = await services.events.get(event_id) is None
    await services.events.put(event)
    return JSONResponse(event.public(), status_code=201 if created else 200)


@answers_problems
async def get_event(request: Request) -> Response:
    event = await services_of(request).events.require(path_slug(request, "event"))
    return JSONResponse(event.public())


@answers_problems
async def delete_event(request: Request) -> Response:
    await require_organiser(request)
    await services_of(request).events.delete(path_slug(request, "event"))
    return Response(status_code=204)


@answers_problems
async def export_event(request: Request) -> Response:
    """The whole definition, join codes included: the agenda file to keep or import again."""
    await require_organiser(request)
    event = await services_of(request).events.require(path_slug(request, "event"))
    response = reply(event)
    response.headers["content-disposition"] = f'attachment; filename="{event.id}.json"'
    return response


def new_code() -> str:
    """Ten characters people can read out and type: no 0/O or 1/l to confuse."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


@answers_problems
async def rotate_code(request: Request) -> Response:
    """A new join code for one role: the old one no longer lets anyone join (tokens already
    issued stay valid until they expire)."""
    await require_organiser(request)
    role = request.path_params["role"]
    if role not in ("attendee", "speaker", "moderator", "display"):
        raise not_found(f"Role `{role}`")
    services = services_of(request)
    event = await services.events.require(path_slug(request, "event"))
    code = new_code()
    doc = msgspec.to_builtins(event)
    doc["codes"][role] = code
    await services.events.put(convert(doc, EventDef))
    return reply(Rotated(role=role, code=code))


@answers_problems
async def session_report(request: Request) -> Response:
    services = services_of(request)
    event_id = path_slug(request, "event")
    await require_user(request, event_id, Role.moderator, "The report")
    event = await services.events.require(event_id)
    session = await services.events.session(event_id, path_slug(request, "session"))
    fmt = request.query_params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise bad_request("format: must be `json` or `csv`.")
    report: dict[str, Any] = {"event": {"id": event.id, "title": event.title},
                              "session": msgspec.to_builtins(session)}
    sections: dict[str, list[dict[str, Any]]] = {}
    for feature in services.features:
        part = await feature.report(event, session)
        sections.update(part.pop("csv", {}))
        report.update(part)
    return render_report(report, sections, fmt, f"{event.id}-{session.id}")
