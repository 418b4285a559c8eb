"""The organisers' webhooks API: list an event's endpoints with their recent deliveries,
add one (its signing secret is shown once), remove one."""

from __future__ import annotations

import secrets
import time
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..errors import bad_request, conflict, not_found
from ..webhooks import WebhooksFeature
from ..webhooks.rules import KINDS, Kind
from ..webhooks.store import MAX_ENDPOINTS, Delivery, Endpoint, WebhookStore
from .edge import answers_problems, path_slug, reply, require_organiser, services_of, typed_body


class HookBody(msgspec.Struct, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
    kinds: list[Kind] = msgspec.field(default_factory=lambda: list(KINDS))


class HookView(msgspec.Struct):
    id: str
    url: str
    kinds: list[Kind]
    created_at: float


class HookCreated(msgspec.Struct):
    id: str
    url: str
    kinds: list[Kind]
    secret: str  # shown once: the receiver checks signatures with it


class HookList(msgspec.Struct):
    webhooks: list[HookView]
    deliveries: list[Delivery]


def _store(request: Request) -> WebhookStore:
    feature = next(f for f in services_of(request).features if isinstance(f, WebhooksFeature))
    return feature.store


def _check_url(url: str, allow_http: bool) -> None:
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise bad_request("url: must be an https:// address.")


async def _event(request: Request) -> str:
    await require_organiser(request)
    event = await services_of(request).events.require(path_slug(request, "event"))
    return event.id


@answers_problems
async def list_hooks(request: Request) -> Response:
    event = await _event(request)
    store = _store(request)
    views = [HookView(e.id, e.url, e.kinds, e.created_at) for e in await store.endpoints(event)]
    return reply(HookList(webhooks=views, deliveries=await store.deliveries(event)))


@answers_problems
async def add_hook(request: Request) -> Response:
    event = await _event(request)
    body = await typed_body(request, HookBody)
    _check_url(body.url, services_of(request).settings.webhook_allow_http)
    if not body.kinds:
        raise bad_request("kinds: name at least one.")
    store = _store(request)
    endpoints = await store.endpoints(event)
    if len(endpoints) >= MAX_ENDPOINTS:
        raise conflict(f"An event has at most {MAX_ENDPOINTS} webhooks.")
    endpoint = Endpoint(id="wh-" + secrets.token_hex(4), url=body.url,
                        secret="whsec_" + secrets.token_urlsafe(24),
                        kinds=sorted(set(body.kinds), key=KINDS.index), created_at=time.time())
    await store.save_endpoints(event, [*endpoints, endpoint])
    return reply(HookCreated(endpoint.id, endpoint.url, endpoint.kinds, endpoint.secret), 201)


@answers_problems
async def remove_hook(request: Request) -> Response:
    event = await _event(request)
    hook = request.path_params["hook"]
    store = _store(request)
    endpoints = await store.endpoints(event)
    kept = [e for e in endpoints if e.id != hook]
    if len(kept) == len(endpoints):
        raise not_found(f"Webhook `{hook}`")
    await store.save_endpoints(event, kept)
    return Response(status_code=204)
