"""Backends, chosen by URL: no REDIS_URL is the embedded backend on SQLite (in PLENARY_DATA),
`memory://` the embedded backend keeping nothing, `redis://…` Redis, and Redis through
Sentinel when PLENARY_REDIS_SENTINELS names the sentinels.

Redis support is imported only when asked for.
"""

from __future__ import annotations

from typing import Any

from ..clock import Clock
from ..settings import Settings
from .base import Backend


def open_backend(settings: Settings, clock: Clock | None = None) -> Backend:
    """`clock` drives the backend's timers and rate-limit windows (the system's if None)."""
    from .memory import MemoryBackend

    url = settings.redis_url
    if url and url.startswith("memory://"):
        return MemoryBackend(settings.history_size, settings.presence_ttl_s, clock=clock)
    if not url and not settings.redis_sentinels:
        from .tables import Database

        db = Database(settings.data_dir / "plenary.db",
                      "normal" if settings.data_sync == "normal" else "full")
        return MemoryBackend(settings.history_size, settings.presence_ttl_s, db, clock)
    return _redis(settings, clock)


def _redis(settings: Settings, clock: Clock | None) -> Backend:
    from .redis import RedisBackend
    from .redis_link import SentinelLink

    link: Any = settings.redis_url
    if settings.redis_sentinels:
        link = SentinelLink(settings.redis_sentinels, settings.redis_master)
    elif link.startswith("redis+cluster://"):
        from .redis_cluster import ClusterLink

        link = ClusterLink(link)
    elif not link.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"REDIS_URL must start with redis://, rediss://, unix:// or "
                     f"redis+cluster://, not "
                         f"{link.split(':')[0]}://")
    return RedisBackend(link, settings.history_size, settings.presence_ttl_s, clock,
                        require_aof=not (settings.demo or settings.redis_accept_data_loss),
                        wait_replicas=settings.redis_wait_replicas,
                        wait_timeout_ms=settings.redis_wait_timeout_ms)
