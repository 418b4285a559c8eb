"""Protocol tests in process (tests/inproc.py): the app's real gateway and services on each
backend, no subprocess and no socket. `server` and `event` stand where the socket harness's
do, so a test reads the same in either layer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harness import RedisServer
from inproc import InProcEvent, InProcServer, create_event


@pytest.fixture(params=["memory", "redis"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[InProcServer]:
    redis_url = None
    if request.param == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis_url = redis.url
    srv = await InProcServer(redis_url).start()
    yield srv
    await srv.stop()


@pytest.fixture
async def event(server: InProcServer) -> InProcEvent:
    """A fresh event on the test's server."""
    return await create_event(server)
