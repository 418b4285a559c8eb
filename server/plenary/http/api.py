"""The HTTP API: events (PUT/GET), joining with a code, and the session report."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..agenda import EventDef, parse_event
from ..auth import issue_token, read_token
from ..errors import Code, ProtocolError, bad_request
from ..messages import Mode, Role, Slug, clean_text, convert, decode
from ..services import Services
from .report import render_report

MAX_BODY = 256 * 1024


class JoinBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    mode: Mode | None = None
    renew: Annotated[str, msgspec.Meta(max_length=4096)] | None = None  # an expired token


def problem(error: ProtocolError) -> JSONResponse:
    status = {
        Code.bad_request: 400, Code.unauthorized: 401, Code.forbidden: 403, Code.not_found: 404,
        Code.conflict: 409, Code.rate_limited: 429, Code.too_large: 413, Code.unavailable: 503,
    }.get(error.code, 500)
    return JSONResponse({"error": error.as_dict()}, status_code=status)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ProtocolError(Code.too_large, f"The body is larger than {MAX_BODY} bytes.")
    try:
        return decode(body)
    except msgspec.DecodeError:
        raise bad_request("The body is not valid JSON.") from None


def _path_slug(request: Request, name: str) -> str:
    slug: str = convert(request.path_params[name], Slug)
    return slug


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise ProtocolError(Code.unauthorized, "Send `Authorization: Bearer <key or token>`.")
    return value.strip()


async def put_event(request: Request) -> Response:
    try:
        services = _services(request)
        if not hmac.compare_digest(_bearer(request), services.settings.admin_key):
            raise ProtocolError(Code.unauthorized, "The admin key is not valid.")
        event_id = _path_slug(request, "event")
        event = parse_event(await _json_body(request))
        if event.id != event_id:
            raise bad_request(f"id: the body's id `{event.id}` differs from the path's.")
        created = await services.events.get(event_id) is None
        await services.events.put(event)
        return JSONResponse(event.public(), status_code=201 if created else 200)
    except ProtocolError as exc:
        return problem(exc)


async def get_event(request: Request) -> Response:
    try:
        event = await _services(request).events.require(_path_slug(request, "event"))
        return JSONResponse(event.public())
    except ProtocolError as exc:
        return problem(exc)


async def join_event(request: Request) -> Response:
    try:
        services = _services(request)
        event = await services.events.require(_path_slug(request, "event"))
        body = convert(await _json_body(request), JoinBody)
        name = clean_text(body.name, "name", high=80)
        role = role_for_code(event, body.code)
        if role is None:
            raise ProtocolError(Code.unauthorized, "This join code is not valid for the event.")
        token = issue_token(services.settings.secret, event=event.id, name=name, role=role,
                            ttl_s=services.settings.token_ttl_s,
                            user_id=_renewed(services.settings.secret, body.renew, event.id))
        return JSONResponse({"token": token, "role": role.name})
    except ProtocolError as exc:
        return problem(exc)


def _renewed(secret: str, token: str | None, event_id: str) -> str | None:
    """The user id of a (maybe expired) token of this event: a renewal keeps the person
    (their votes, their questions). The code is checked as for any join."""
    if token is None:
        return None
    user = read_token(secret, token, expired_ok=True)
    if user.event != event_id:
        raise ProtocolError(Code.unauthorized, "`renew` is a token of another event.")
    return user.id


def role_for_code(event: EventDef, code: str) -> Role | None:
    for role in (Role.moderator, Role.speaker, Role.attendee):
        if hmac.compare_digest(getattr(event.codes, role.name).encode(), code.encode()):
            return role
    return None


async def session_report(request: Request) -> Response:
    try:
        services = _services(request)
        event_id = _path_slug(request, "event")
        user = read_token(services.settings.secret, _bearer(request))
        if user.event != event_id or not user.can(Role.moderator):
            raise ProtocolError(Code.forbidden, "The report is for this event's moderators.")
        event = await services.events.require(event_id)
        session = await services.events.session(event_id, _path_slug(request, "session"))
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
    except ProtocolError as exc:
        return problem(exc)
