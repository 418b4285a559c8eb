"""Fixtures: a private Redis for the whole run; Plenary servers per backend and module.

`server` is parametrized over both backends, so a protocol test written once runs on the
embedded backend and on Redis. `cluster` is two processes sharing one Redis. Under
tests/protocol/, `server` and `event` are in-process (tests/inproc.py); `socket_server`
and `socket_event` are real processes everywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import Event, RedisServer, Server, create_event


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    redis = RedisServer()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from _real_server(request)


@pytest.fixture(scope="module", params=["memory", "redis"])
def socket_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A real process on a real socket, also where `server` is in-process (tests/protocol)."""
    yield from _real_server(request)


def _real_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    redis_url = None
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_server").url
    srv = Server(redis_url).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer) -> Iterator[tuple[Server, Server]]:
    a, b = Server(redis_server.url).start(), Server(redis_server.url).start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def event(server: Server) -> Event:
    """A fresh event on the module's server, so tests never see each other's state."""
    return create_event(server)


@pytest.fixture
def socket_event(socket_server: Server) -> Event:
    """A fresh event on a real server: for a test that needs its HTTP API too."""
    return create_event(socket_server)
