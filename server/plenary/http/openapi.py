"""The OpenAPI 3.1 document of the HTTP API, generated from the endpoint table and the very
msgspec types the handlers decode and encode (the WebSocket protocol is in docs/PROTOCOL.md)."""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

from ..errors import Code

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"enum": [c.value for c in Code]}, "message": {"type": "string"}}}}}
SLUG = {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"}
ROLES = {"enum": ["attendee", "speaker", "moderator", "display"]}
REF = "#/components/schemas/{name}"


@functools.cache
def document() -> dict[str, Any]:
    from .routes import ENDPOINTS

    types = {t for e in ENDPOINTS for t in (e.body, e.reply) if t is not None}
    refs, components = msgspec.json.schema_components(sorted(types, key=lambda t: t.__name__),
                                                      ref_template=REF)
    ref_of = dict(zip(sorted(types, key=lambda t: t.__name__), refs, strict=True))
    paths: dict[str, Any] = {}
    for e in ENDPOINTS:
        item = paths.setdefault(e.path, {"parameters": _parameters(e.path)} if "{" in e.path
                                else {})
        operation: dict[str, Any] = {"summary": e.summary, "responses": _responses(e, ref_of)}
        if e.auth:
            operation["security"] = [{"bearer": []}]
        if e.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": ref_of[e.body]}}}
        item[e.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Plenary", "version": "1",
                 "description": "Hybrid conference backend. Real-time features use the "
                                "WebSocket at /ws (see docs/PROTOCOL.md); this API is "
                                "described in docs/http-api.md."},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {**components, "Error": ERROR}},
    }


def _parameters(path: str) -> list[dict[str, Any]]:
    names = re.findall(r"{(\w+)}", path)
    schemas = {"role": ROLES, "hook": {"type": "string"}}
    return [{"name": n, "in": "path", "required": True, "schema": schemas.get(n, SLUG)}
            for n in names]


def _responses(e: Any, ref_of: dict[type[Any], Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "ok"}
    if e.reply is not None:
        ok["content"] = {e.media: {"schema": ref_of[e.reply]}}
    elif e.status != 204:
        ok["content"] = {e.media: {}}
    out = {str(e.status): ok}
    for code in e.errors:
        out[str(code)] = {"description": "error", "content": {"application/json": {
            "schema": {"$ref": REF.format(name="Error")}}}}
    return out
