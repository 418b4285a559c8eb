"""Backends under contract: each test runs against the embedded backend and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harness import RedisServer
from plenary.backends.base import Backend
from plenary.backends.memory import MemoryBackend


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        chosen: Backend = MemoryBackend(history_size=5, presence_ttl_s=30)
    else:
        from plenary.backends.redis import RedisBackend

        redis: RedisServer = request.getfixturevalue("redis_server")
        redis.flush()
        chosen = RedisBackend(redis.url, history_size=5, presence_ttl_s=30)
    await chosen.start()
    yield chosen
    await chosen.close()
