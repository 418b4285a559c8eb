"""What a viewer receives: audio only, switching back and forth without renegotiating, and
the automatic move to audio only of a viewer that cannot keep up (selection.py), with real
aiortc peers on both backends."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from test_media import Watcher, answer, offer, peers, publish, staff

from harness import Event, RedisServer, Server, create_event

pytestmark = pytest.mark.media


async def video_packets(watcher: Watcher) -> int:
    """RTP packets the viewer's video receiver got, by its own statistics."""
    stats = await watcher.pc.getStats()
    return sum(s.packetsReceived for s in stats.values()
               if s.type == "inbound-rtp" and s.kind == "video")


def lose(watcher: Watcher, share: float) -> None:
    """The viewer's network loses `share` of the video packets sent to it (at its end)."""
    receiver = next(t.receiver for t in watcher.pc.getTransceivers() if t.kind == "video")
    handle: Callable[..., Awaitable[None]] = receiver._handle_rtp_packet
    rng = random.Random(17)

    async def lossy(packet: Any, arrival_time_ms: int) -> None:
        if rng.random() >= share:
            await handle(packet, arrival_time_ms=arrival_time_ms)

    receiver._handle_rtp_packet = lossy  # type: ignore[method-assign]


async def test_an_audio_only_viewer_receives_no_video_until_it_asks(server: Server,
                                                                     event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker)
    full = await Watcher(decode=False).watch(attendee, pid)
    await full.frames()
    audio_only = Watcher(decode=False)
    reply = await attendee.call("media.subscribe", {
        "publisher": pid, "sdp": await _offer(audio_only), "audio_only": True}, timeout=30)
    audio_only.viewer = reply["viewer"]
    await _answer(audio_only, reply["sdp"])
    await audio_only.until_audio(100)  # two seconds of sound, while video flowed to `full`
    assert audio_only.count == 0 and await video_packets(audio_only) == 0
    assert full.count > 30
    # Back to video, on the same connection: no new offer.
    assert await attendee.call("media.view", {"viewer": audio_only.viewer, "video": True}) \
        == {"viewer": audio_only.viewer, "video": True}
    await audio_only.frames()
    await attendee.call("media.view", {"viewer": audio_only.viewer, "video": False})
    heard = audio_only.audio
    await audio_only.until_audio(heard + 10)  # anything in flight has arrived
    seen = audio_only.count
    await audio_only.until_audio(heard + 100)
    assert audio_only.count == seen, "detached again: no more video"
    assert await attendee.error("media.view", {"viewer": "v-nobody", "video": True}) \
        == "not_found"
    assert await attendee.error("media.view", {"viewer": audio_only.viewer}) == "bad_request"
    assert await speaker.error("media.view", {"viewer": audio_only.viewer, "video": True}) \
        == "not_found", "only the viewer's own connection switches it"
    for w in (full, audio_only):
        await w.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_a_viewer_that_keeps_losing_video_is_moved_to_audio_only_and_told(
        server: Server, event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    steady = await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker)
    good = await Watcher(decode=False).watch(steady, pid)
    poor = Watcher(decode=False)
    lose(poor, 0.5)
    await poor.watch(attendee, pid)
    told = await attendee.event("media.downgraded", timeout=30)
    assert told["data"] == {"viewer": poor.viewer, "publisher": pid, "reason": "loss"}
    heard = poor.audio
    await poor.until_audio(heard + 10)
    seen = poor.count
    await poor.until_audio(heard + 100)
    assert poor.count == seen, "moved to audio only: no more video"
    assert poor.audio > heard + 50, "its sound goes on"
    before = good.count
    await good.until(before + 30)  # the others keep their video
    assert not steady.has("media.downgraded")
    await attendee.call("media.view", {"viewer": poor.viewer, "video": True})  # the way back
    await poor.until(seen + 10)
    for w in (good, poor):
        await w.close()
    await pub_pc.close()
    for c in (speaker, attendee, steady):
        await c.close()


async def _offer(watcher: Watcher) -> str:
    return await offer(watcher.pc)


async def _answer(watcher: Watcher, sdp: str) -> None:
    await answer(watcher.pc, sdp)


async def test_a_viewer_served_by_another_process_is_switched_and_told_there(
        redis_server: RedisServer) -> None:
    """The viewer's process is full, so the origin serves it: `media.view` goes there over
    the node RPC, and the downgrade comes back on the user's topic."""
    origin = Server(redis_server.url, env={"PLENARY_MEDIA_MAX_VIEWERS": "10"}).start()
    full = Server(redis_server.url, env={"PLENARY_MEDIA_MAX_VIEWERS": "1"}).start()
    try:
        event = create_event(origin)
        speaker = await staff(origin, event)
        first, second = await staff(full, event, "attendee"), await staff(full, event,
                                                                          "attendee")
        pid, pub_pc = await publish(speaker)
        await (await Watcher(decode=False).watch(first, pid)).frames()  # `full` is full now
        poor = Watcher(decode=False)
        lose(poor, 0.5)
        await poor.watch(second, pid)
        assert peers(origin, "viewer") == 1, "the origin serves the second viewer"
        told = await second.event("media.downgraded", timeout=30)
        assert told["data"]["viewer"] == poor.viewer
        await second.call("media.view", {"viewer": poor.viewer, "video": True})
        seen = poor.count
        await poor.until(seen + 10)
        await pub_pc.close()
        await poor.close()
        for c in (speaker, first, second):
            await c.close()
    finally:
        origin.stop()
        full.stop()
