"""Redis goes away under connected clients and comes back: nothing is silently lost."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from typing import NamedTuple

import pytest

from harness import Client, RedisServer, Server, create_event, http


@pytest.fixture
def persistent_redis() -> Iterator[RedisServer]:
    """A Redis of our own (restarting the shared one would disturb other tests), with an
    append-only file as production has, so that a restart keeps the data."""
    redis = RedisServer()
    redis.persist = True
    redis.start()
    yield redis
    redis.stop()


def _redis_command(redis: RedisServer, *words: str) -> bytes:
    with socket.create_connection(("127.0.0.1", redis.port)) as s:
        s.sendall(("*%d\r\n" % len(words) + "".join(
            f"${len(w)}\r\n{w}\r\n" for w in words)).encode())
        return s.recv(1000)


async def _until(predicate: object, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


class Setup(NamedTuple):
    servers: list[Server]
    moderator: Client
    watchers: list[Client]


@pytest.fixture
async def setup(persistent_redis: RedisServer) -> AsyncIterator[Setup]:
    """Two processes on the Redis; a moderator on the first, a watcher on each, all in the
    session `opening`. Their close() checks that no seq was skipped."""
    servers = [Server(persistent_redis.url).start(), Server(persistent_redis.url).start()]
    try:
        event = create_event(servers[0])
        moderator = await Client.connect(servers[0], event.token("moderator"))
        watchers = [await Client.connect(s, event.token()) for s in servers]
        for c in (moderator, *watchers):
            await c.join("opening")
        yield Setup(servers, moderator, watchers)
        for c in (moderator, *watchers):
            await c.close()
    finally:
        for s in servers:
            s.stop()


async def test_readyz_follows_redis_and_clients_carry_on(persistent_redis: RedisServer,
                                                         setup: Setup) -> None:
    servers, moderator, watchers = setup
    persistent_redis.stop()
    await _until(lambda: all(http("GET", f"{s.http}/readyz")[0] == 503 for s in servers))
    assert all(http("GET", f"{s.http}/healthz")[0] == 200 for s in servers)
    assert await moderator.error("session.update",
                                 {"session": "opening", "live": True}) == "unavailable"
    persistent_redis.start()
    await _until(lambda: all(http("GET", f"{s.http}/readyz")[0] == 200 for s in servers))
    await moderator.call("session.update", {"session": "opening", "live": True})
    for watcher in watchers:
        assert (await watcher.event("session.updated"))["data"]["session"]["live"] is True


async def test_events_published_while_pubsub_was_down_are_replayed(
        persistent_redis: RedisServer, setup: Setup) -> None:
    """Killing the pub/sub connections loses what Redis publishes meanwhile; each process
    must notice, reconnect and fetch the missed events from the history."""
    _, moderator, watchers = setup
    _redis_command(persistent_redis, "CLIENT", "KILL", "TYPE", "pubsub")
    for i in range(5):  # published while nobody may be subscribed
        await moderator.call("session.update", {"session": "opening", "live": i % 2 == 0})
    for watcher in watchers:
        got = [await watcher.event("session.updated") for _ in range(5)]
        assert [e["data"]["session"]["live"] for e in got] == [True, False, True, False, True]
