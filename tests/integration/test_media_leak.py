"""Nothing leaks: after many publish/subscribe cycles, ended every way a participant can end
them, the server holds no peer connection, and its threads and file descriptors are back
where they started. A publisher that falls silent is closed by the server's own timer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest
from aiortc.mediastreams import VideoStreamTrack
from test_media import FlatVideo, Watcher, publish, settled

from harness import Client, Event, RedisServer, Server, create_event

pytestmark = pytest.mark.media

IDLE_S = 3


@pytest.fixture(scope="module", params=["memory", "redis"])
def quick(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server that gives up on silent peers after IDLE_S seconds."""
    redis_url = None
    if request.param == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis_url = redis.url
    srv = Server(redis_url, env={"PLENARY_MEDIA_IDLE_TIMEOUT_S": str(IDLE_S)}).start()
    yield srv
    srv.stop()


def resources(server: Server) -> tuple[int, int]:
    assert server.proc is not None
    pid = server.proc.pid
    return len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd"))


async def joined(server: Server, event: Event, role: str) -> Client:
    client = await Client.connect(server, event.token(role))
    await client.join("opening")
    return client


async def one_cycle(server: Server, event: Event, attendee: Client, how: int) -> None:
    speaker = await joined(server, event, "speaker")
    pid, pub_pc = await publish(speaker)
    watchers = [await Watcher().watch(attendee, pid) for _ in range(2)]
    for w in watchers:
        await w.frames()
    await attendee.call("media.unsubscribe", {"viewer": watchers[0].viewer})
    await watchers[1].close()  # a viewer that just goes away
    if how == 0:
        await speaker.call("media.unpublish", {"publisher": pid})
    elif how == 1:
        await speaker.call("session.leave", {"session": "opening"})
    await speaker.close()  # how == 2: the publisher's socket simply closes
    await attendee.event("media.publishers", where=lambda d: pid not in str(d))
    await watchers[0].close()
    await pub_pc.close()


async def test_many_cycles_leave_nothing_behind(quick: Server) -> None:
    event = create_event(quick)
    attendee = await joined(quick, event, "attendee")
    assert await settled(quick) == 0
    threads, fds = resources(quick)
    for i in range(12):
        await one_cycle(quick, event, attendee, i % 3)
    assert await settled(quick) == 0
    after_threads, after_fds = resources(quick)
    assert after_threads <= threads + 4, "decoder and executor threads ended"
    assert after_fds <= fds + 8, "sockets of the peer connections closed"
    await attendee.close()


class Stalling(VideoStreamTrack):
    """Sends a few frames, then nothing: a publisher whose tab froze or vanished."""

    def __init__(self) -> None:
        super().__init__()
        self._flat = FlatVideo()
        self.sent = 0

    async def recv(self) -> Any:
        self.sent += 1
        if self.sent > 30:
            await asyncio.Event().wait()  # never again
        return await self._flat.recv()


async def test_a_silent_publisher_is_closed_by_the_servers_timer(quick: Server) -> None:
    event = create_event(quick)
    speaker, attendee = await joined(quick, event, "speaker"), await joined(quick, event,
                                                                            "attendee")
    pid, pub_pc = await publish(speaker, audio=False, video=Stalling())
    await attendee.event("media.publishers", where=lambda d: d["publishers"])
    # the socket stays open: only the media fell silent
    await attendee.event("media.publishers", where=lambda d: d["publishers"] == [],
                         timeout=IDLE_S + 15)
    assert await settled(quick) == 0
    assert await speaker.error("media.unpublish", {"publisher": pid}) == "not_found"
    await pub_pc.close()
    await speaker.close()
    await attendee.close()
