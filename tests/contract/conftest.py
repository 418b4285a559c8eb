"""Backends under contract: each test runs against the embedded backend (in memory and on
SQLite) and a real Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from harness import RedisServer
from plenary.backends.base import Backend
from plenary.backends.memory import MemoryBackend
from plenary.backends.tables import Database
from stores import Stores


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "memory":
        chosen: Backend = MemoryBackend(history_size=5, presence_ttl_s=30)
    elif request.param == "sqlite":
        chosen = MemoryBackend(history_size=5, presence_ttl_s=30,
                               db=Database(tmp_path / "plenary.db"))
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


@pytest.fixture
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    opened = Stores(request, tmp_path / "stores.db")
    yield opened
    opened.close()
