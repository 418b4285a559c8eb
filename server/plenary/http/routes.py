"""Every HTTP endpoint once: its method, path, handler, the msgspec types of its body and
reply, who may call it. The app's routes and the OpenAPI document are both built from it."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.routing import Route

from ..agenda import EventDef
from . import api, export, feeds, hooks, joins, ops, recordings
from .edge import Handler


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[Any] | None = None
    reply: type[Any] | None = None
    auth: str | None = None  # "organiser" (admin key or sign-in) | "token" (a join token)
    errors: tuple[int, ...] = ()
    status: int = 200
    media: str = "application/json"


E = Endpoint
ENDPOINTS: list[Endpoint] = [
    E("GET", "/healthz", ops.healthz, "Liveness"),
    E("GET", "/readyz", ops.readyz, "Readiness (503 while a backend is unreachable)",
      errors=(503,)),
    E("GET", "/metrics", ops.metrics, "Prometheus metrics", media="text/plain"),
    E("GET", "/openapi.json", ops.openapi, "This document"),
    E("GET", "/api/events", api.list_events, "Every event hosted (organisers)",
      reply=api.EventList, auth="organiser", errors=(401,)),
    E("POST", "/api/events", api.create_event,
      "Create an event from a definition (JSON, or TOML with Content-Type application/toml)",
      body=EventDef, reply=EventDef, auth="organiser", errors=(400, 401, 409, 413), status=201),
    E("GET", "/api/events/{event}", api.get_event, "The public agenda (no join codes)",
      reply=EventDef, errors=(400, 404)),
    E("PUT", "/api/events/{event}", api.put_event, "Create or replace an event",
      body=EventDef, reply=EventDef, auth="organiser", errors=(400, 401, 409, 413)),
    E("DELETE", "/api/events/{event}", api.delete_event, "Delete an event",
      auth="organiser", errors=(401, 404), status=204),
    E("GET", "/api/events/{event}/export", api.export_event,
      "The whole definition, join codes included (an agenda file)", reply=EventDef,
      auth="organiser", errors=(401, 404)),
    E("GET", "/api/events/{event}/report", export.event_export,
      "The event-wide report: every session and day, as XLSX, CSV or JSON (`?format=`)",
      auth="token", errors=(400, 401, 403, 404),
      media="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    E("POST", "/api/events/{event}/codes/{role}/rotate", api.rotate_code,
      "A new join code for a role; the old one stops working", reply=api.Rotated,
      auth="organiser", errors=(401, 404)),
    E("POST", "/api/events/{event}/join", joins.join_event,
      "Exchange a join code (or the short code) for a token", body=joins.JoinBody,
      reply=joins.JoinReply, errors=(400, 401, 404)),
    E("POST", "/api/join", joins.join_by_short_code,
      "Join an event by its short code alone (attendees)", body=joins.JoinBody,
      reply=joins.JoinReply, errors=(400, 401, 404)),
    E("POST", "/api/events/{event}/screen", joins.screen_token,
      "A display token for the room screen (speaker or moderator token)",
      reply=joins.JoinReply, auth="token", errors=(401, 403, 404)),
    E("GET", "/api/events/{event}/invite", feeds.invite,
      "Join link, short code and QR code, for the room screen (display or staff token)",
      reply=feeds.Invite, auth="token", errors=(401, 403, 404)),
    E("GET", "/api/events/{event}/calendar.ics", feeds.event_calendar,
      "The agenda as iCalendar", errors=(404,), media="text/calendar"),
    E("GET", "/api/events/{event}/sessions/{session}/calendar.ics", feeds.session_calendar,
      "One session as iCalendar", errors=(404,), media="text/calendar"),
    E("GET", "/api/events/{event}/webhooks", hooks.list_hooks,
      "The event's webhooks and their latest deliveries", reply=hooks.HookList,
      auth="organiser", errors=(401, 404)),
    E("POST", "/api/events/{event}/webhooks", hooks.add_hook,
      "Add a webhook; the reply holds its signing secret, shown once", body=hooks.HookBody,
      reply=hooks.HookCreated, auth="organiser", errors=(400, 401, 404, 409), status=201),
    E("DELETE", "/api/events/{event}/webhooks/{hook}", hooks.remove_hook, "Remove a webhook",
      auth="organiser", errors=(401, 404), status=204),
    E("GET", "/api/events/{event}/recordings", recordings.list_recordings,
      "Recordings of the stage, oldest first (any token of the event; ?session= to filter)",
      reply=recordings.RecordingList, auth="token", errors=(401, 403, 404)),
    E("GET", "/api/events/{event}/recordings/{recording}", recordings.stream,
      "A recording's media, with range requests (token as bearer or ?token=)",
      auth="token", errors=(401, 403, 404), media="video/webm"),
    E("GET", "/api/events/{event}/recordings/{recording}/captions.vtt", recordings.captions_vtt,
      "The captions said during a recording, as WebVTT (?lang=)", auth="token",
      errors=(401, 403, 404), media="text/vtt"),
    E("GET", "/api/events/{event}/sessions/{session}/report", api.session_report,
      "Questions, polls and breakout reports (moderator token; ?format=json|csv)",
      auth="token", errors=(400, 401, 403, 404)),
]


def routes() -> list[Route]:
    from .. import oidc

    sign_in = [Route("/auth/config", oidc.config), Route("/auth/login", oidc.login),
               Route("/auth/callback", oidc.callback)]
    return [Route(e.path, e.handler, methods=[e.method]) for e in ENDPOINTS] + sign_in
