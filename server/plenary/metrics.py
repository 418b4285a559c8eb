"""Prometheus metrics, one registry per app.

With several processes on one machine (uvicorn --workers), set PROMETHEUS_MULTIPROC_DIR to
an empty folder: each process then writes its samples there and /metrics sums them all.
Across machines, scrape each process (or machine) as its own target.

The fan-out counts in plain ints (no Counter on the hot path); `sync()` adds what they grew
by to real Counters, so they reach the multiprocess files too. Each process syncs every
second and the scraped one right before rendering.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.connections = Gauge("plenary_connections", "Open WebSocket connections",
                                 registry=reg, multiprocess_mode="livesum")
        self.commands = Counter("plenary_commands_total", "Commands handled",
                                ["type", "outcome"], registry=reg)
        self.command_seconds = Histogram(
            "plenary_command_seconds", "Time to handle a command", registry=reg,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
        self.published = Counter("plenary_events_published_total", "Events published",
                                 registry=reg)

        self._readers: list[Callable[[], Iterable[tuple[str, str, float]]]] = []
        self._mirrors: dict[str, tuple[Counter, float]] = {}

    def totals(self, read: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        """Expose counts kept as plain ints on the hot path (the fan-out): `read()` gives
        (name without _total, help, value); see `sync`."""
        self._readers.append(read)
        self.sync()

    def sync(self) -> None:
        """Add to each mirror Counter what its plain count grew by since the last sync."""
        for read in self._readers:
            for name, doc, value in read():
                counter, seen = self._mirrors.get(name) or (
                    Counter(name, doc, registry=self.registry), 0.0)
                if value > seen:
                    counter.inc(value - seen)
                self._mirrors[name] = (counter, max(seen, value))

    def render(self) -> bytes:
        self.sync()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
