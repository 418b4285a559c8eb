"""Joining: a role's join code for an event, or the event's short code typed on the landing
page; events that allow guests take people without a name ("Guest 417")."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..agenda import ROLE_CODES, EventDef
from ..auth import issue_token, read_token
from ..errors import Code, ProtocolError
from ..messages import Mode, Role, clean_text
from .edge import answers_problems, path_slug, reply, require_user, services_of, typed_body

Name = Annotated[str, msgspec.Meta(max_length=200)]
GivenCode = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
DISPLAY_NAME = "Room screen"


class JoinBody(msgspec.Struct, forbid_unknown_fields=True):
    code: GivenCode
    name: Name = ""
    mode: Mode | None = None
    renew: Annotated[str, msgspec.Meta(max_length=4096)] | None = None  # an expired token


class JoinReply(msgspec.Struct):
    token: str
    role: str
    event: str
    name: str


def role_for_code(event: EventDef, code: str) -> Role | None:
    """The role whose code this is; the short code, in any case, lets attendees in."""
    for role in ROLE_CODES:
        expected = getattr(event.codes, role)
        if expected is not None and hmac.compare_digest(expected.encode(), code.encode()):
            return Role[role]
    if event.short_code and hmac.compare_digest(event.short_code.encode(),
                                                code.strip().upper().encode()):
        return Role.attendee
    return None


def display_name(event: EventDef, role: Role, given: str) -> str:
    if role is Role.display:
        return DISPLAY_NAME
    if not given.strip() and event.guests and role is Role.attendee:
        return f"Guest {secrets.randbelow(900) + 100}"
    return clean_text(given, "name", high=80)


def _token(request: Request, event: EventDef, body: JoinBody) -> Response:
    role = role_for_code(event, body.code)
    if role is None:
        raise ProtocolError(Code.unauthorized, "This join code is not valid for the event.")
    name = display_name(event, role, body.name)
    settings = services_of(request).settings
    token = issue_token(settings.secret, event=event.id, name=name, role=role,
                        ttl_s=settings.token_ttl_s,
                        user_id=_renewed(settings.secret, body.renew, event.id))
    return reply(JoinReply(token=token, role=role.name, event=event.id, name=name))


def _renewed(secret: str, token: str | None, event_id: str) -> str | None:
    """The user id of a (maybe expired) token of this event: a renewal keeps the person
    (their votes, their questions). The code is checked as for any join."""
    if token is None:
        return None
    user = read_token(secret, token, expired_ok=True)
    if user.event != event_id:
        raise ProtocolError(Code.unauthorized, "`renew` is a token of another event.")
    return user.id


@answers_problems
async def join_event(request: Request) -> Response:
    event = await services_of(request).events.require(path_slug(request, "event"))
    return _token(request, event, await typed_body(request, JoinBody))


@answers_problems
async def join_by_short_code(request: Request) -> Response:
    """POST /api/join: the short code alone says which event."""
    body = await typed_body(request, JoinBody)
    services = services_of(request)
    event_id = await services.events.by_short_code(body.code.strip())
    event = await services.events.get(event_id) if event_id else None
    if event is None:
        raise ProtocolError(Code.not_found, "No event has this code: check it and try again.")
    return _token(request, event, body)


@answers_problems
async def screen_token(request: Request) -> Response:
    """A staff member opens the room screen: it gets a display token of its own, so that the
    wall shows what attendees may see (every poll threshold applies), never the staff view."""
    services = services_of(request)
    event = await services.events.require(path_slug(request, "event"))
    await require_user(request, event.id, Role.speaker, "The room screen")
    settings = services.settings
    token = issue_token(settings.secret, event=event.id, name=DISPLAY_NAME, role=Role.display,
                        ttl_s=settings.token_ttl_s)
    return reply(JoinReply(token=token, role=Role.display.name, event=event.id,
                           name=DISPLAY_NAME))
