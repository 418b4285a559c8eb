"""The stage across processes, with real aiortc peers: each process pulls a publisher once
(a relay leg) and serves its own viewers from it; processes join, leave and die.

Three processes share one Redis, the publisher on the first. Most viewers only count the
frames they receive (no decoding); one per process decodes and checks the picture. The
liveness timeout is short, so that a killed process is noticed within seconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from test_media import (
    BRIGHT,
    Watcher,
    luma,
    peers,
    publish,
    settled,
    staff,
    viewer_offer,
)

from harness import Client, Event, RedisServer, Server, create_event, http

pytestmark = pytest.mark.media

IDLE_S = 5
ENV = {"PLENARY_MEDIA_IDLE_TIMEOUT_S": str(IDLE_S)}


@pytest.fixture(scope="module")
def trio(redis_server: RedisServer) -> Iterator[tuple[Server, Server, Server]]:
    servers = [Server(redis_server.url, env=ENV).start() for _ in range(3)]
    yield servers[0], servers[1], servers[2]
    for server in servers:
        server.stop()


def kill(server: Server) -> None:
    """The process dies at once: no goodbye to its peers, its Redis records left behind."""
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()
    server.proc = None


def metric(server: Server, name: str) -> float:
    _, text = http("GET", server.http + "/metrics", raw=True)
    found = re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text.decode(), re.M)
    return sum(float(v) for v in found)


async def viewers(server: Server, event: Event, pid: str, n: int, decode: int = 1,
                  audio: bool = False) -> tuple[Client, list[Watcher]]:
    """One attendee on `server` watching `pid` `n` times, the first `decode` decoding (and
    with `audio`, receiving the audio too)."""
    attendee = await staff(server, event, "attendee")
    watchers = [await Watcher(audio=audio and i < decode, decode=i < decode).watch(attendee,
                                                                                  pid)
                for i in range(n)]
    for w in watchers:
        await w.frames()
    return attendee, watchers


async def more_frames(watchers: list[Watcher], n: int = 15, timeout: float = 20) -> None:
    """Each watcher receives `n` more frames from now: its stream goes on."""
    await asyncio.wait_for(asyncio.gather(*(w.until(w.count + n) for w in watchers)), timeout)


async def close_all(watchers: list[Watcher], clients: list[Client]) -> None:
    for w in watchers:
        await w.close()
    for c in clients:
        await c.close()


async def test_each_process_pulls_the_publisher_once(
        trio: tuple[Server, Server, Server], redis_server: RedisServer) -> None:
    a, b, c = trio
    event = create_event(a)
    speaker = await staff(a, event)
    pid, pub_pc = await publish(speaker)  # camera and microphone
    on_b, seen_b = await viewers(b, event, pid, 3, audio=True)
    on_c, seen_c = await viewers(c, event, pid, 2)
    for w in (seen_b[0], seen_c[0]):
        assert abs(luma(w.video[-1]) - BRIGHT) < 8, "decoded: the published picture"
    await seen_b[0].until_audio(10)
    assert (peers(a, "publisher"), peers(a, "leg_out"), peers(a, "viewer")) == (1, 2, 0), \
        "the origin holds one leg per pulling process, however many viewers they serve"
    assert (peers(b, "leg_in"), peers(b, "viewer")) == (1, 3)
    assert (peers(c, "leg_in"), peers(c, "viewer")) == (1, 2)
    assert metric(b, "plenary_media_keyframe_requests_total") >= 1
    assert metric(b, "plenary_media_leg_received_bytes_total") > 0
    assert metric(a, "plenary_media_viewer_encodes_total") == 0

    d = Server(redis_server.url, env=ENV).start()  # a fourth process joins ...
    try:
        on_d, seen_d = await viewers(d, event, pid, 2, decode=0)
        assert peers(a, "leg_out") == 3 and peers(d, "leg_in") == 1
    finally:
        d.stop()  # ... and leaves: its leg ends with it
    assert await settled(a, 3) == 3, "publisher and two legs"
    assert peers(a, "leg_out") == 2
    await more_frames(seen_b + seen_c)

    for w in seen_c:  # the last viewer on c goes: c lets its leg go
        await on_c.call("media.unsubscribe", {"viewer": w.viewer})
    assert await settled(c) == 0
    assert await settled(a, 2) == 2 and peers(a, "leg_out") == 1
    await speaker.call("media.unpublish", {"publisher": pid})
    assert await settled(b) == 0, "the publisher's end ends the legs and their viewers"
    await asyncio.wait_for(asyncio.gather(*(w.ended.wait() for w in seen_b)), 20)
    await close_all(seen_b + seen_c + seen_d, [speaker, on_b, on_c])
    await on_d.ws.close()
    await pub_pc.close()


async def test_a_refused_first_viewer_leaves_no_leg(trio: tuple[Server, Server, Server]
                                                     ) -> None:
    a, b, _ = trio
    event = create_event(a)
    speaker, attendee = await staff(a, event), await staff(b, event, "attendee")
    pid, pub_pc = await publish(speaker, audio=False)
    broken = re.sub(r"VP8/90000", "XV9/90000", await viewer_offer())  # lacks the codec
    assert await attendee.error("media.subscribe", {"publisher": pid, "sdp": broken}) \
        == "bad_request"
    assert (peers(b), peers(a, "leg_out")) == (0, 0), "the leg pulled for it was let go"
    await speaker.call("media.unpublish", {"publisher": pid})
    await close_all([], [speaker, attendee])
    await pub_pc.close()


async def test_a_rooms_media_stays_where_its_members_are(
        trio: tuple[Server, Server, Server]) -> None:
    """Two members on one process: no leg; a third member elsewhere: one leg, to there."""
    a, b, _ = trio
    event = create_event(a)
    moderator = await staff(a, event, "moderator")
    host, near, far = (await staff(a, event, "attendee"), await staff(a, event, "attendee"),
                       await staff(b, event, "attendee"))
    created = await moderator.call("breakout.create", {"session": "opening", "rooms": 1,
                                                       "assign": "self"})
    opened = await moderator.call("breakout.open", {"breakout": created["breakout"]["id"]})
    room = opened["breakout"]["rooms"][0]["id"]
    for member in (host, near, far):
        await member.call("breakout.join", {"room": room})
        await member.call("room.join", {"room": room})
    pid, pub_pc = await publish(host, session=None, room=room, audio=False)
    local = await Watcher(audio=False, decode=False).watch(near, pid)
    await local.frames()
    assert (peers(a, "viewer"), peers(a, "leg_out")) == (1, 0), "same process: no leg"
    remote = await Watcher(audio=False).watch(far, pid)
    assert abs(luma((await remote.frames())[-1]) - BRIGHT) < 8
    assert (peers(a, "leg_out"), peers(b, "leg_in"), peers(b, "viewer")) == (1, 1, 1)
    await host.call("media.unpublish", {"publisher": pid})
    assert await settled(b) == 0
    await close_all([local, remote], [moderator, host, near, far])
    await pub_pc.close()


async def test_the_publishers_process_dies(trio: tuple[Server, Server, Server],
                                           redis_server: RedisServer) -> None:
    _, b, c = trio
    origin = Server(redis_server.url, env=ENV).start()
    try:
        event = create_event(origin)
        speaker = await staff(origin, event)
        pid, pub_pc = await publish(speaker, audio=False)
        on_b, seen_b = await viewers(b, event, pid, 2, decode=0)
        on_c, seen_c = await viewers(c, event, pid, 1, decode=0)
        kill(origin)
        for attendee in (on_b, on_c):
            await attendee.event("media.publishers", where=lambda d: d["publishers"] == [],
                                 timeout=IDLE_S * 3 + 10)
        await asyncio.wait_for(asyncio.gather(*(w.ended.wait() for w in seen_b + seen_c)),
                               IDLE_S * 3 + 10)
        assert await settled(b) == 0 and await settled(c) == 0
        assert (await on_b.call("media.list", {"session": "opening"}))["publishers"] == []
        await close_all(seen_b + seen_c, [on_b, on_c])
        await speaker.ws.close()
        await pub_pc.close()
    finally:
        origin.stop()


async def test_a_legs_process_dies_and_the_others_do_not_notice(
        trio: tuple[Server, Server, Server], redis_server: RedisServer) -> None:
    a, _, c = trio
    doomed = Server(redis_server.url, env=ENV).start()
    try:
        event = create_event(a)
        speaker = await staff(a, event)
        pid, pub_pc = await publish(speaker, audio=False)
        on_c, seen_c = await viewers(c, event, pid, 1, decode=0)
        on_doomed, seen_doomed = await viewers(doomed, event, pid, 2, decode=0)
        assert peers(a, "leg_out") == 2
        kill(doomed)
        await on_doomed.wait_closed()  # its viewers' sockets went with it
        assert await settled(a, 2, timeout=IDLE_S * 3 + 10) == 2, "publisher and c's leg"
        assert peers(a, "leg_out") == 1
        await more_frames(seen_c)
        assert not seen_c[0].ended.is_set()
        await speaker.call("media.unpublish", {"publisher": pid})
        await close_all(seen_c + seen_doomed, [speaker, on_c])
        await pub_pc.close()
    finally:
        doomed.stop()


async def test_a_full_process_hands_viewers_on_and_legs_cascade(
        redis_server: RedisServer) -> None:
    """With a cap on the peers a process sends to: a full origin feeds a new process through
    a relay that already pulls (origin -> r1 -> r2), and a full process has a new viewer
    served by the least-loaded process that holds the publisher."""
    def capped(cap: int) -> Server:
        return Server(redis_server.url, env={**ENV, "PLENARY_MEDIA_MAX_VIEWERS": str(cap)})

    origin, r1, r2 = capped(1).start(), capped(3).start(), capped(2).start()
    try:
        event = create_event(origin)
        speaker = await staff(origin, event)
        pid, pub_pc = await publish(speaker, audio=False)
        on_r1, seen = await viewers(r1, event, pid, 1, decode=0)
        on_r2, more = await viewers(r2, event, pid, 2, decode=1)  # r2 is full now
        assert abs(luma(more[0].video[-1]) - BRIGHT) < 8, "decoded after two legs"
        assert (peers(origin, "leg_out"), peers(r1, "leg_out"), peers(r2, "leg_in")) \
            == (1, 1, 1), "r2 pulled from r1: the origin was full"
        extra = await Watcher(audio=False, decode=False).watch(on_r2, pid)
        await extra.frames()
        assert (peers(r1, "viewer"), peers(r2, "viewer")) == (2, 2), \
            "r2 was full: r1, which holds a leg and had room, serves its new viewer"
        await on_r2.call("media.unsubscribe", {"viewer": extra.viewer})
        assert await settled(r1, 3) == 3
        await speaker.call("media.unpublish", {"publisher": pid})
        for server in (origin, r1, r2):
            assert await settled(server) == 0
        await close_all([*seen, *more, extra], [speaker, on_r1, on_r2])
        await pub_pc.close()
    finally:
        for server in (origin, r1, r2):
            server.stop()
