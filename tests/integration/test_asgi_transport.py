"""The protocol, gateway, resume, fan-out and join-storm tests once more, on the fallback:
uvicorn's own WebSocket protocol, where Plenary sends through plain ASGI `send` (as under any
other ASGI server). The rest of the suite runs on Plenary's transport only, so that the suite
time does not double; PLENARY_TEST_TRANSPORT=asgi runs all of it on the fallback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_cluster import *  # noqa: F403
from test_gateway import *  # noqa: F403
from test_join_storm import *  # noqa: F403
from test_resume import *  # noqa: F403

from harness import RedisServer, Server

TRANSPORT = "asgi"


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    redis_url = None
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_server").url
    srv = Server(redis_url, transport=TRANSPORT).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer) -> Iterator[tuple[Server, Server]]:
    a = Server(redis_server.url, transport=TRANSPORT).start()
    b = Server(redis_server.url, transport=TRANSPORT).start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture(scope="module")
def cached_and_not(redis_server: RedisServer) -> Iterator[tuple[Server, Server]]:
    quiet = {"PLENARY_PRESENCE_INTERVAL_S": "3600"}
    cached = Server(redis_server.url, env=quiet, transport=TRANSPORT).start()
    uncached = Server(redis_server.url, env={**quiet, "PLENARY_SNAPSHOT_CACHE": "0"},
                      transport=TRANSPORT).start()
    yield cached, uncached
    cached.stop()
    uncached.stop()


def test_these_servers_run_on_the_fallback(server: Server) -> None:
    assert server.transport == "asgi"
    assert "PLENARY_WS_TRANSPORT" in server.extra_env
