"""Backends, chosen by URL: no REDIS_URL is the embedded backend on SQLite (in PLENARY_DATA),
`memory://` the embedded backend keeping nothing, `redis://…` Redis.

Redis support is imported only when asked for.
"""

from __future__ import annotations

from ..clock import Clock
from ..settings import Settings
from .base import Backend


def open_backend(settings: Settings, clock: Clock | None = None) -> Backend:
    """`clock` drives the backend's timers and rate-limit windows (the system's if None)."""
    from .memory import MemoryBackend

    if settings.redis_url and settings.redis_url.startswith("memory://"):
        return MemoryBackend(settings.history_size, settings.presence_ttl_s, clock=clock)
    if not settings.redis_url:
        from .tables import Database

        db = Database(settings.data_dir / "plenary.db",
                      "normal" if settings.data_sync == "normal" else "full")
        return MemoryBackend(settings.history_size, settings.presence_ttl_s, db, clock)
    if settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisBackend

        return RedisBackend(settings.redis_url, settings.history_size, settings.presence_ttl_s,
                            clock,
                            require_aof=not (settings.demo or settings.redis_accept_data_loss))
    raise ValueError(f"REDIS_URL must start with redis://, rediss:// or unix://, not "
                     f"{settings.redis_url.split(':')[0]}://")
