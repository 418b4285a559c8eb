"""Webhooks at work: the events this process publishes become deliveries, each tried by the
durable scheduler (any process may run a due try), signed, and retried with back-off.

A delivery's job is re-armed *before* each try (a lease), so a process that dies mid-try
leaves the job to run again: deliveries are at least once; receivers dedupe by
`Plenary-Delivery`.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import httpx
import msgspec

from ..feature import Feature, Host
from . import rules
from .signing import HEADER, signature
from .store import STORE, Delivery, Endpoint

log = logging.getLogger("plenary.webhooks")
PREFIX = "webhook"
WATCHED = {"session.updated", "poll.results", "qa.question", "breakout.report"}


class WebhooksFeature(Feature):
    name = "webhooks"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store = host.open_store(STORE)
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        settings = self.host.settings
        self._http = httpx.AsyncClient(timeout=settings.webhook_timeout_s,
                                       follow_redirects=False,
                                       headers={"User-Agent": "Plenary-Webhooks/1"})
        self.host.scheduler.handle(PREFIX, self._due)
        self.host.taps.append(self._tap)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- from published events to deliveries -------------------------------------------------
    def _tap(self, event: str, topic: str, kind: str, data: Any) -> None:
        if kind in WATCHED:
            self.host.spawn(self._occurred(event, topic, kind, data), "webhook-occurred")

    async def _occurred(self, event: str, topic: str, kind: str, data: Any) -> None:
        endpoints = await self.store.endpoints(event)
        if not endpoints:
            return
        live_before = None
        if kind == "session.updated" and not topic.endswith(":staff"):
            session = data["session"]
            live_before = await self.store.swap_live(event, session["id"], bool(session["live"]))
        for occurrence in rules.occurrences(topic, kind, data, live_before):
            if occurrence.once and not await self.store.first_time(event, occurrence.once):
                continue
            for endpoint in endpoints:
                if occurrence.kind in endpoint.kinds:
                    await self.enqueue(event, endpoint, occurrence.kind, occurrence.data)

    async def enqueue(self, event: str, endpoint: Endpoint, kind: rules.Kind,
                      data: dict[str, Any]) -> Delivery:
        now = time.time()
        delivery = Delivery(id="d-" + secrets.token_hex(8), endpoint=endpoint.id, kind=kind,
                            status="pending", attempts=0, created_at=now, updated_at=now,
                            next_at=now)
        body = msgspec.json.encode({"id": delivery.id, "type": kind, "event": event,
                                    "created_at": now, "data": data}).decode()
        await self.store.record(event, delivery)
        await self.host.scheduler.schedule(
            _job(delivery.id), now, {"event": event, "delivery": delivery.id,
                                     "endpoint": endpoint.id, "body": body, "attempt": 1})
        return delivery

    # -- trying ------------------------------------------------------------------------------
    async def _due(self, job: str, payload: dict[str, Any]) -> None:
        settings = self.host.settings
        lease = settings.webhook_timeout_s + settings.webhook_backoff_s * 2 ** payload["attempt"]
        await self.host.scheduler.schedule(
            job, time.time() + lease, {**payload, "attempt": payload["attempt"] + 1})
        # The scheduler runs jobs one after another: a slow receiver must not hold up timers.
        self.host.spawn(self._try(job, payload), "webhook-try")

    async def _try(self, job: str, payload: dict[str, Any]) -> None:
        event, attempt = payload["event"], payload["attempt"]
        delivery = await self.store.delivery(event, payload["delivery"])
        endpoint = next((e for e in await self.store.endpoints(event)
                         if e.id == payload["endpoint"]), None)
        if delivery is None or endpoint is None:
            await self.host.scheduler.cancel(job)
            return
        code, error = await self._post(endpoint, delivery, payload["body"].encode())
        delivery.attempts, delivery.last_code, delivery.last_error = attempt, code, error
        await self._settle(job, payload, delivery, code is not None and rules.succeeded(code))

    async def _post(self, endpoint: Endpoint, delivery: Delivery,
                    body: bytes) -> tuple[int | None, str | None]:
        assert self._http is not None
        headers = {"Content-Type": "application/json", "Plenary-Delivery": delivery.id,
                   "Plenary-Event-Type": delivery.kind,
                   HEADER: signature(endpoint.secret, int(time.time()), body)}
        try:
            response = await self._http.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
        return response.status_code, None if rules.succeeded(response.status_code) \
            else f"HTTP {response.status_code}"

    async def _settle(self, job: str, payload: dict[str, Any], delivery: Delivery,
                      ok: bool) -> None:
        settings, scheduler = self.host.settings, self.host.scheduler
        wait = None if ok else rules.next_try(delivery.attempts, settings.webhook_attempts,
                                              settings.webhook_backoff_s)
        if wait is None:
            await scheduler.cancel(job)
            delivery.status, delivery.next_at = ("delivered" if ok else "failed"), None
        else:
            delivery.status, delivery.next_at = "retrying", time.time() + wait
            await scheduler.schedule(job, delivery.next_at,
                                     {**payload, "attempt": delivery.attempts + 1})
        await self.store.record(payload["event"], delivery)
        if not ok:
            log.info("webhook %s to %s: %s", delivery.id, delivery.endpoint, delivery.last_error)


def _job(delivery_id: str) -> str:
    return f"{PREFIX}:{delivery_id}"
