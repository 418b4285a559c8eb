"""The app's resources, owned by its lifespan: backend, hub, events, features, metrics."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from .backends import open_backend
from .backends.base import Backend, topic_key
from .budgets import Budgets
from .connection import Connection, Flusher
from .events import Events
from .feature import Command, Feature
from .hub import Hub
from .messages import encode
from .metrics import Metrics
from .settings import Settings
from .snapshots import Snapshots

log = logging.getLogger("plenary")


class Services:
    def __init__(self, settings: Settings, backend: Backend | None = None) -> None:
        self.settings = settings
        self.node = secrets.token_hex(4)
        self.backend = backend or open_backend(settings)
        self.hub = Hub(self.backend.broker)
        self.events = Events(self.backend.docs)
        self.metrics = Metrics()
        self.connections: set[Connection] = set()
        self.flusher = Flusher(settings.flush_interval_s)
        self.metrics.totals(lambda: [
            ("plenary_messages_delivered", "Events pushed to client queues", self.hub.delivered),
            ("plenary_frames_sent", "Frames written to clients", self.flusher.frames),
            ("plenary_slow_clients_closed", "Connections closed for falling behind (1013)",
             self.flusher.slow_closed),
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

    def add(self, feature: Feature) -> None:
        self.features.append(feature)
        for command in feature.commands():
            if command.type in self.commands:
                raise ValueError(f"two features define {command.type}")
            self.commands[command.type] = command

    def feature(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)

    async def rejoin(self, ctx: Any, session_id: str) -> None:
        """A resumed connection is back in its session (presence, feature hooks)."""
        await self.feature("sessions").rejoin(ctx, session_id)  # type: ignore[attr-defined]

    async def publish(self, event_id: str, topic: str, kind: str, data: Any) -> int:
        """Encode once and publish; every subscriber on every process gets the same text."""
        self.metrics.published.inc()
        return await self.backend.broker.publish(topic_key(event_id, topic), kind, encode(data))

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """A background task owned by the app: cancelled at shutdown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start(self) -> None:
        await self.backend.start()
        for feature in self.features:
            await feature.start()

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
