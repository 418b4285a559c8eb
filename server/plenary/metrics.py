"""Prometheus metrics, one registry per app.

With several processes on one machine (uvicorn --workers), set PROMETHEUS_MULTIPROC_DIR to
an empty folder: each process then writes its samples there and /metrics sums them all.
Across machines, scrape each process (or machine) as its own target.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily


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

    def totals(self, read: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        """Expose counts kept as plain ints on the hot path (the fan-out), read at scrape time:
        `read()` gives (name without _total, help, value)."""
        self.registry.register(_Totals(read))

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


class _Totals:
    def __init__(self, read: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        for name, doc, value in self._read():
            yield CounterMetricFamily(name, doc, value=value)
