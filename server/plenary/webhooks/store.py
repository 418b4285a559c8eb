"""Where webhooks live: each event's endpoints (one document), its deliveries and what was
already sent (field maps). Every key of the feature is spelled here."""

from __future__ import annotations

import time
from typing import Annotated

import msgspec

from ..backends.base import Documents
from ..feature_docs import docs_store
from .rules import Kind, Status

MAX_ENDPOINTS = 20
SHOWN_DELIVERIES = 50


class Endpoint(msgspec.Struct, omit_defaults=True):
    id: str
    url: str
    secret: str
    kinds: list[Kind]
    created_at: float


class Delivery(msgspec.Struct):
    id: str
    endpoint: str
    kind: Kind
    status: Status
    attempts: int
    created_at: float
    updated_at: float
    last_code: int | None = None
    last_error: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    next_at: float | None = None


# Documents within each event.
ENDPOINTS = "webhooks"
DELIVERIES = "webhook-deliveries"
LIVE = "webhook-live"
SENT = "webhook-sent"


class WebhookStore:
    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def endpoints(self, event: str) -> list[Endpoint]:
        raw = await self._docs.get(event, ENDPOINTS)
        return msgspec.json.decode(raw, type=list[Endpoint]) if raw else []

    async def save_endpoints(self, event: str, endpoints: list[Endpoint]) -> None:
        await self._docs.put(event, ENDPOINTS, msgspec.json.encode(endpoints))

    async def record(self, event: str, delivery: Delivery) -> None:
        delivery.updated_at = time.time()
        await self._docs.set_fields(event, DELIVERIES,
                                    {delivery.id: msgspec.json.encode(delivery).decode()})

    async def delivery(self, event: str, delivery_id: str) -> Delivery | None:
        raw = (await self._docs.fields(event, DELIVERIES)).get(delivery_id)
        return msgspec.json.decode(raw, type=Delivery) if raw else None

    async def deliveries(self, event: str) -> list[Delivery]:
        """The latest deliveries first."""
        fields = await self._docs.fields(event, DELIVERIES)
        found = [msgspec.json.decode(v, type=Delivery) for v in fields.values() if v]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:SHOWN_DELIVERIES]

    async def swap_live(self, event: str, session: str, live: bool) -> bool | None:
        """The session's live switch as last seen (None: never), now set to `live`."""
        before = (await self._docs.fields(event, LIVE)).get(session)
        await self._docs.set_fields(event, LIVE, {session: "1" if live else "0"})
        return None if before is None else before == "1"

    async def first_time(self, event: str, what: str) -> bool:
        """True once per `what`: one process publishes each of these, so no race to lose."""
        if (await self._docs.fields(event, SENT)).get(what):
            return False
        await self._docs.set_fields(event, SENT, {what: "1"})
        return True


STORE = docs_store("webhooks", WebhookStore)
