"""Backends under contract: each test runs against the embedded backend and a real Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

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


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """A client of the session's private Redis, for a feature store's Redis implementation."""
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
def ev() -> str:
    return "ev-" + secrets.token_hex(4)  # a fresh event: tests never share keys
