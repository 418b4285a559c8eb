"""Redis that is configured to keep what it acknowledged: the server refuses a Redis without
an append-only file (outside demo mode, unless told to accept data loss), and with one a
SIGKILL of Redis in the middle of a vote storm loses no acknowledged ballot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from harness import Client, Event, RedisServer, Server, create_event, http

SESSION = "opening"
VOTERS = 120


@pytest.fixture
def aof_redis() -> Iterator[RedisServer]:
    redis = RedisServer()
    redis.persist = True  # appendonly yes, appendfsync always
    redis.start()
    yield redis
    redis.stop()


def test_a_redis_without_appendonly_is_refused(redis_server: RedisServer) -> None:
    server = Server(redis_server.url, env={"PLENARY_REDIS_ACCEPT_DATA_LOSS": "0"})
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "appendonly" in server.output() and "PLENARY_REDIS_ACCEPT_DATA_LOSS" in server.output()


async def _vote(client: Client, poll: str, acked: set[str], enough: asyncio.Event) -> None:
    try:
        reply = await client.request("poll.vote", {"poll": poll, "choices": [0]}, timeout=30)
    except Exception:
        return
    if reply["type"] == "ok":
        acked.add(client.user["id"])
        if len(acked) >= 10:
            enough.set()


async def test_redis_sigkill_in_a_vote_storm_loses_no_acknowledged_ballot(
        aof_redis: RedisServer) -> None:
    server = Server(aof_redis.url, env={"PLENARY_REDIS_ACCEPT_DATA_LOSS": "0"}).start()
    voters: list[Client] = []
    try:
        event = create_event(server)
        mod_token = event.token("moderator", "Mod")
        mod = await Client.connect(server, mod_token)
        await mod.join(SESSION)
        data = {"session": SESSION, "title": "Still counted?", "kind": "single",
                "options": ["Yes", "No"], "anonymous": False}
        poll = (await mod.call("poll.create", data))["poll"]
        await mod.call("poll.open", {"poll": poll["id"]})
        voters = [await _member(event) for _ in range(VOTERS)]
        acked: set[str] = set()
        enough = asyncio.Event()
        votes = [asyncio.create_task(_vote(v, poll["id"], acked, enough)) for v in voters]
        await enough.wait()
        aof_redis.kill()
        at_kill = len(acked)
        began = time.monotonic()
        aof_redis.start()
        await asyncio.gather(*votes)
        while http("GET", f"{server.http}/readyz")[0] != 200:  # another process: poll it
            assert time.monotonic() - began < 30, "the server never got Redis back"
            await asyncio.sleep(0.05)
        recovery = time.monotonic() - began
        url = f"{server.http}/api/events/{event.id}/sessions/{SESSION}/report?format=json"
        status, report = http("GET", url, token=mod_token)
        assert status == 200, report
        stored = {b["user"] for b in report["polls"][0]["ballots"]}
        assert acked <= stored, f"{len(acked - stored)} acknowledged ballots lost"
        print(f"\nRedis SIGKILL after {at_kill} acks: {len(acked)} acknowledged, "
              f"{len(stored)} stored, 0 lost; Redis back and ready in {recovery:.2f} s")
        await mod.close()
    finally:
        await asyncio.gather(*[v.close() for v in voters], return_exceptions=True)
        server.stop()


async def _member(event: Event) -> Client:
    client = await Client.connect(event.server, event.token())
    await client.join(SESSION)
    return client
