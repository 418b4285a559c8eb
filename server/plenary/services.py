"""The app's resources, owned by its lifespan: backend, hub, events, membership, features.

`Services` is the one implementation of `feature.Host`: features see it only through that
protocol.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from . import access
from .auth import User, tokens_for
from .backends import open_backend
from .backends.base import Backend, Broker, Presence, Scheduler, StoreKind, topic_key
from .budgets import Budgets
from .clock import Clock, SystemClock
from .connection import Connection, Flusher
from .events import Events
from .feature import Command, Feature
from .hub import Hub
from .idempotency import STORE as REPLIES
from .membership import Membership
from .messages import encode
from .metrics import Metrics
from .settings import Settings
from .snapshots import Snapshots
from .tasks import every

log = logging.getLogger("plenary")
S = TypeVar("S")


class Services:
    def __init__(self, settings: Settings, backend: Backend | None = None,
                 clock: Clock | None = None) -> None:
        self.settings = settings
        self.node = secrets.token_hex(4)
        self.clock: Clock = clock or SystemClock()
        self.backend = backend or open_backend(settings, self.clock)
        self.hub = Hub(self.backend.broker)
        self.replies = self.backend.open_store(REPLIES)  # idempotent commands (by client key)
        self.events = Events(self.backend.docs)
        self.tokens = tokens_for(settings)  # Plenary's tokens and the identity provider's
        # Called with (event, topic, kind, data) for each event this process publishes (the
        # webhooks watch them); a tap must not block.
        self.taps: list[Callable[[str, str, str, Any], None]] = []
        self.metrics = Metrics()
        self.connections: set[Connection] = set()
        self.flusher = Flusher(settings.flush_interval_s)
        self.metrics.totals(lambda: [
            ("plenary_messages_delivered", "Events pushed to client queues", self.hub.delivered),
            ("plenary_frames_sent", "Frames written to clients", self.flusher.frames),
            ("plenary_slow_clients_closed", "Connections closed for falling behind (1013)",
             self.flusher.slow_closed),
            # -- broker health (issue 13) --
            ("plenary_pubsub_reconnects", "Pub/sub connections re-established",
             self.backend.broker.reconnects),
            ("plenary_events_repaired", "Events missed by pub/sub and replayed from history",
             self.hub.repaired),
        ])
        # -- join storms (issue 10): the snapshot's shared reads, per-user budgets --
        self.snapshots = Snapshots(settings.snapshot_cache)
        self.budgets = Budgets(settings.connections_per_user, settings.joins_per_user_per_min)
        self.metrics.totals(lambda: [
            ("plenary_snapshot_builds", "Shared snapshot reads run (once per change)",
             self.snapshots.builds),
            ("plenary_snapshot_hits", "Joins served a shared snapshot read from the cache",
             self.snapshots.hits),
        ])
        self.features: list[Feature] = []
        self.commands: dict[str, Command] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.membership = Membership(self, self.backend.docs, self.features)
        self._register(self.membership.commands())

    def add(self, feature: Feature) -> None:
        self.features.append(feature)
        self._register(feature.commands())

    def _register(self, commands: list[Command]) -> None:
        for command in commands:
            if command.type in self.commands:
                raise ValueError(f"two features define {command.type}")
            self.commands[command.type] = command

    # -- the Host protocol --------------------------------------------------------------------
    @property
    def broker(self) -> Broker:
        return self.backend.broker

    @property
    def presence(self) -> Presence:
        return self.backend.presence

    @property
    def scheduler(self) -> Scheduler:
        return self.backend.scheduler

    async def publish(self, event_id: str, topic: str, kind: str, data: Any) -> int:
        """Encode once and publish; every subscriber on every process gets the same text."""
        self.metrics.published.inc()
        for tap in self.taps:
            tap(event_id, topic, kind, data)
        return await self.backend.broker.publish(topic_key(event_id, topic), kind, encode(data))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A background task owned by the app: cancelled at shutdown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def open_store(self, kind: StoreKind[S]) -> S:
        return self.backend.open_store(kind)

    async def topic_allowed(self, user: User, topic: str) -> bool:
        return await access.topic_allowed(self.events, self.features, user, topic)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.backend.start()
        self.spawn(self.hub.check_forever(self.settings.seq_check_interval_s), "seq-check")
        self.spawn(self._sync_metrics(), "metrics-sync")
        self.membership.start()
        for feature in self.features:
            await feature.start()

    async def _sync_metrics(self) -> None:
        async for _ in every(1.0):
            self.metrics.sync()

    async def close_clients(self) -> None:
        """Close every connection with 1001 and wait until they are gone."""
        for conn in list(self.connections):
            conn.close_soon(1001, "server shutting down")
        for _ in range(500):  # each leaves the set once its close frame went out
            if not self.connections:
                return
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.close_soon(1001, "server shutting down")
        for feature in reversed(self.features):
            await feature.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.hub.close()
        await self.backend.close()
