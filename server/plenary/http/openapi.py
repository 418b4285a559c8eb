"""The OpenAPI 3.1 document of the HTTP API (the WebSocket protocol is in docs/PROTOCOL.md)."""

from __future__ import annotations

from typing import Any

_error = {"$ref": "#/components/schemas/Error"}


def _responses(ok: str, *codes: int) -> dict[str, Any]:
    out: dict[str, Any] = {"200": {"description": ok}}
    for code in codes:
        out[str(code)] = {"description": "error",
                          "content": {"application/json": {"schema": _error}}}
    return out


_event_param = {"name": "event", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"}}
_session_param = {**_event_param, "name": "session"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Plenary", "version": "1",
             "description": "Hybrid conference backend. Real-time features use the WebSocket "
                            "at /ws (see docs/PROTOCOL.md)."},
    "paths": {
        "/healthz": {"get": {"summary": "Liveness", "responses": _responses("alive")}},
        "/readyz": {"get": {"summary": "Readiness (503 while a backend is unreachable)",
                            "responses": _responses("ready", 503)}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": _responses("text")}},
        "/api/events/{event}": {
            "parameters": [_event_param],
            "get": {"summary": "The public agenda (no join codes)",
                    "responses": _responses("the event", 400, 404)},
            "put": {"summary": "Create or update an event (admin key as bearer token)",
                    "security": [{"bearer": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/EventDef"}}}},
                    "responses": {**_responses("updated", 400, 401, 413),
                                  "201": {"description": "created"}}},
        },
        "/api/events/{event}/join": {
            "parameters": [_event_param],
            "post": {"summary": "Exchange a join code for a token",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["name", "code"],
                                    "properties": {"name": {"type": "string", "maxLength": 80},
                                                   "code": {"type": "string"}}}}}},
                     "responses": _responses("{token, role}", 400, 401, 404)},
        },
        "/api/events/{event}/sessions/{session}/report": {
            "parameters": [_event_param, _session_param,
                           {"name": "format", "in": "query",
                            "schema": {"enum": ["json", "csv"], "default": "json"}}],
            "get": {"summary": "Questions, polls and breakout reports (moderator token)",
                    "security": [{"bearer": []}],
                    "responses": _responses("the report", 400, 401, 403, 404)},
        },
        # issue 14: every session and day in one file (docs/protocol/surveys.md)
        "/api/events/{event}/export": {
            "parameters": [_event_param,
                           {"name": "format", "in": "query",
                            "schema": {"enum": ["xlsx", "csv", "json"], "default": "xlsx"}}],
            "get": {"summary": "The event-wide export: attendance, engagement, questions, "
                               "polls, surveys (moderator token)",
                    "security": [{"bearer": []}],
                    "responses": _responses("the export", 400, 401, 403, 404)},
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {
                "type": "object", "properties": {"code": {"type": "string"},
                                                 "message": {"type": "string"}}}}},
            "EventDef": {
                "type": "object", "required": ["id", "title", "codes", "sessions"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
                    "title": {"type": "string", "maxLength": 200},
                    "timezone": {"type": "string"},
                    "named_attendance": {"type": "boolean", "default": False},
                    "codes": {"type": "object", "required": ["attendee", "speaker", "moderator"],
                              "properties": {r: {"type": "string", "minLength": 4}
                                             for r in ("attendee", "speaker", "moderator")}},
                    "sessions": {"type": "array", "items": {
                        "type": "object", "required": ["id", "title"],
                        "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                       "starts_at": {"type": "string"},
                                       "ends_at": {"type": "string"},
                                       "speakers": {"type": "array",
                                                    "items": {"type": "string"}},
                                       "qa_moderated": {"type": "boolean"}}}},
                },
            },
        },
    },
}
