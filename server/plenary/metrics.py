"""Prometheus metrics, one registry per app.

With several processes on one machine (uvicorn --workers), set PROMETHEUS_MULTIPROC_DIR to
an empty folder: each process then writes its samples there and /metrics sums them all.
Across machines, scrape each process (or machine) as its own target.
"""

from __future__ import annotations

import os

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
        self.delivered = Counter("plenary_frames_sent_total", "Frames written to clients",
                                 registry=reg)
        self.slow_closed = Counter("plenary_slow_clients_closed_total",
                                   "Connections closed for falling behind (1013)", registry=reg)

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
