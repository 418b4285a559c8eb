"""Nothing leaks: after many publish/subscribe cycles, ended every way a participant can end
them, the server holds no peer connection, and its threads and file descriptors are back
where they started. A publisher or viewer that vanishes without a goodbye is closed by the
server's own timer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from aiortc import RTCPeerConnection
from test_media import Watcher, peers, publish, settled

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


def vanish(pc: RTCPeerConnection) -> None:
    """The peer goes quiet without a goodbye (no DTLS close, no RTCP BYE): a closed tab,
    a crashed browser, a lost network. Its sockets silently swallow what it sends."""
    for transceiver in pc.getTransceivers():
        ice = transceiver.sender.transport.transport
        for protocol in ice._connection._protocols:
            protocol.transport.sendto = lambda *args: None  # type: ignore[method-assign]


async def test_a_vanished_publisher_is_closed_by_the_servers_timer(quick: Server) -> None:
    event = create_event(quick)
    speaker, attendee = await joined(quick, event, "speaker"), await joined(quick, event,
                                                                            "attendee")
    pid, pub_pc = await publish(speaker, audio=False)
    watcher = await Watcher(audio=False).watch(attendee, pid)
    await watcher.frames()
    vanish(pub_pc)
    # the socket stays open: only the media vanished
    await attendee.event("media.publishers", where=lambda d: d["publishers"] == [],
                         timeout=IDLE_S + 15)
    assert await settled(quick) == 0, "its viewers' peers ended with it"
    assert await speaker.error("media.unpublish", {"publisher": pid}) == "not_found"
    await watcher.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_a_vanished_viewer_is_closed_by_the_servers_timer(quick: Server) -> None:
    event = create_event(quick)
    speaker, attendee = await joined(quick, event, "speaker"), await joined(quick, event,
                                                                            "attendee")
    pid, pub_pc = await publish(speaker, audio=False)
    watchers = [await Watcher(audio=False).watch(attendee, pid) for _ in range(2)]
    for w in watchers:
        await w.frames()
    assert peers(quick) == 3
    vanish(watchers[0].pc)
    assert await settled(quick, 2, timeout=IDLE_S + 15) == 2, "only the vanished viewer ended"
    for w in watchers:
        await w.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_legs_come_and_go_without_leaving_anything(cluster: tuple[Server, Server]
                                                         ) -> None:
    """A process that pulls a publisher again and again (a leg per watch, ended by its last
    viewer's end) ends with no peer, thread or socket more than it started with."""
    a, b = cluster
    event = create_event(a)
    speaker, attendee = await joined(a, event, "speaker"), await joined(b, event, "attendee")
    assert await settled(b) == 0
    threads, fds = resources(b)
    for _ in range(5):
        pid, pub_pc = await publish(speaker, audio=False)
        watcher = await Watcher(audio=False, decode=False).watch(attendee, pid)
        await watcher.frames()
        assert peers(b, "leg_in") == 1
        await attendee.call("media.unsubscribe", {"viewer": watcher.viewer})
        assert await settled(b) == 0, "the last viewer's end ended the leg"
        await speaker.call("media.unpublish", {"publisher": pid})
        await watcher.close()
        await pub_pc.close()
    assert await settled(a) == 0
    after_threads, after_fds = resources(b)
    assert after_threads <= threads + 4, "the legs' receiver threads ended"
    assert after_fds <= fds + 8, "the legs' sockets closed"
    await speaker.close()
    await attendee.close()
