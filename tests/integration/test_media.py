"""Media over the real server with real aiortc peers, on both backends.

A publisher sends synthetic video (a flat picture of a known brightness) and audio; a viewer
decodes what the relay forwards and checks it is that picture. Rights, unpublish and the
`media.publishers` events are checked from the participants' side.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import queue
import re
import time
from typing import Any

import av
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

from harness import Client, CommandFailed, Event, Server, create_event, http
from plenary.features.media import aiortc_hooks
from plenary.features.media.forwarder import ForwardTrack, RelayStats

pytestmark = pytest.mark.media

BRIGHT = 200  # the luma of every published picture


class FlatVideo(VideoStreamTrack):
    """A 320x240 picture of one brightness, at 30 fps (aiortc paces `next_timestamp`)."""

    def __init__(self, luma: int = BRIGHT, width: int = 320, height: int = 240) -> None:
        super().__init__()
        self.luma, self.width, self.height = luma, width, height

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, value in zip(frame.planes, (self.luma, 128, 128), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def peer() -> RTCPeerConnection:
    """No ICE servers at all: nothing may leave the machine (aiortc would use a public STUN)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def offer(pc: RTCPeerConnection) -> str:
    await pc.setLocalDescription(await pc.createOffer())  # gathers every candidate first
    return str(pc.localDescription.sdp)


async def viewer_offer() -> str:
    """A valid recvonly offer from a peer that is closed at once."""
    pc = peer()
    pc.addTransceiver("video", direction="recvonly")
    try:
        return await offer(pc)
    finally:
        await pc.close()


async def answer(pc: RTCPeerConnection, sdp: str) -> None:
    await pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))


async def publish(client: Client, *, session: str | None = "opening", room: str | None = None,
                  kind: str = "camera", audio: bool = True,
                  video: MediaStreamTrack | None = None) -> tuple[str, RTCPeerConnection]:
    pc = peer()
    pc.addTransceiver(video or FlatVideo(), direction="sendonly")
    if audio:
        pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    where = {"session": session} if session else {"room": room}
    reply = await client.call("media.publish", {**where, "kind": kind, "sdp": await offer(pc)},
                              timeout=30)
    await answer(pc, reply["sdp"])
    return reply["publisher"], pc


class _Count(queue.Queue[Any]):
    """Stands in for a viewer's decoder queue: counts complete video frames, decodes none."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__()
        self.watcher = watcher

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            super().put(item, block, timeout)
        else:
            self.watcher.counted()


class Watcher:
    """A viewer: a recvonly peer that decodes what it receives (or, with `decode=False`,
    only counts the video frames it receives: far cheaper, where decoding is not the point)."""

    def __init__(self, audio: bool = True, decode: bool = True) -> None:
        self.pc = peer()
        self.pc.addTransceiver("video", direction="recvonly")
        if audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.decode = decode
        self.video: list[av.VideoFrame] = []
        self.count = 0  # video frames received
        self.audio = 0
        self.got_video = asyncio.Event()
        self._arrived = asyncio.Event()
        self.ended = asyncio.Event()  # the server closed (or lost) this viewer's connection
        self.viewer = ""
        self._tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    def _on_state(self) -> None:
        if self.pc.connectionState in ("closed", "failed"):
            self.ended.set()

    def counted(self) -> None:
        self.count += 1
        self._arrived.set()
        if self.count >= 10:
            self.got_video.set()

    async def until_audio(self, count: int) -> None:
        """Wait until this viewer has decoded `count` audio frames in all."""
        while self.audio < count:
            self._arrived.clear()
            await self._arrived.wait()

    async def until(self, count: int) -> None:
        """Wait until this viewer has received `count` video frames in all."""
        while self.count < count:
            self._arrived.clear()
            await self._arrived.wait()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if not self.decode and track.kind == "video":
            receiver = next(t.receiver for t in self.pc.getTransceivers()
                            if t.receiver.track is track)
            aiortc_hooks.tap_decoder(receiver, _Count(self))
        self._tasks.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, av.VideoFrame):
                    self.video.append(frame)
                    self.counted()
                else:
                    self.audio += 1
                    self._arrived.set()

    async def watch(self, client: Client, publisher: str) -> Watcher:
        reply = await client.call("media.subscribe",
                                  {"publisher": publisher, "sdp": await offer(self.pc)},
                                  timeout=30)
        self.viewer = reply["viewer"]
        await answer(self.pc, reply["sdp"])
        return self

    async def frames(self, timeout: float = 30) -> list[av.VideoFrame]:
        await asyncio.wait_for(self.got_video.wait(), timeout)
        return self.video

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()


def luma(frame: av.VideoFrame) -> int:
    """The brightness in the middle of a decoded picture."""
    plane = frame.planes[0]
    row = frame.height // 2
    return bytes(plane)[row * plane.line_size + frame.width // 2]


def peers(server: Server, role: str | None = None) -> int:
    """The server's count of media peer connections (of one role, or all), from /metrics."""
    _, text = http("GET", server.http + "/metrics", raw=True)
    body = text.decode() if isinstance(text, bytes) else str(text)
    found = re.findall(r'^plenary_media_peers\{role="(\w+)"\} (\S+)$', body, re.M)
    assert found, "the peer gauge is exported"
    return sum(int(float(n)) for r, n in found if role in (None, r))


async def settled(server: Server, want: int = 0, timeout: float = 30) -> int:
    """The peer count once it reached `want` (or what it still is at the deadline)."""
    for _ in range(int(timeout / 0.2)):
        if peers(server) == want:
            return want
        await asyncio.sleep(0.2)  # a gauge has no event to await: poll it
    return peers(server)


async def staff(server: Server, event: Event, role: str = "speaker") -> Client:
    c = await Client.connect(server, event.token(role))
    await c.join("opening")
    return c


async def test_published_video_reaches_a_viewer_decoded(server: Server, event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker)
    live = await attendee.event("media.publishers", where=lambda d: d["publishers"])
    assert live["data"]["publishers"] == [
        {"id": pid, "user": speaker.user["id"], "name": speaker.user["name"], "kind": "camera"}]
    watcher = await Watcher().watch(attendee, pid)
    frames = await watcher.frames()
    assert all((f.width, f.height) == (320, 240) for f in frames)
    assert abs(luma(frames[-1]) - BRIGHT) < 8, "the viewer sees the published picture"
    await watcher.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_audio_is_forwarded_too(server: Server, event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker)
    watcher = await Watcher().watch(attendee, pid)
    await watcher.frames()
    for _ in range(100):
        if watcher.audio >= 10:
            break
        await asyncio.sleep(0.1)  # audio frames have no event to await: poll the count
    assert watcher.audio >= 10
    await watcher.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_many_viewers_of_one_publisher(server: Server, event: Event) -> None:
    speaker = await staff(server, event)
    pid, pub_pc = await publish(speaker, audio=False)
    viewers = [await staff(server, event, "attendee") for _ in range(3)]
    watchers = [await Watcher(audio=False).watch(v, pid) for v in viewers]
    for w in watchers:
        assert abs(luma((await w.frames())[-1]) - BRIGHT) < 8
    _, text = http("GET", server.http + "/metrics", raw=True)
    assert "plenary_media_viewer_encodes_total 0.0" in str(text)
    for w in watchers:
        await w.close()
    await pub_pc.close()
    for c in [speaker, *viewers]:
        await c.close()


async def test_snapshot_lists_publishers_and_ice_servers(server: Server, event: Event) -> None:
    speaker = await staff(server, event)
    pid, pub_pc = await publish(speaker, kind="screen", audio=False)
    late = await Client.connect(server, event.token("attendee"))
    snapshot = await late.join("opening")
    assert snapshot["media"]["publishers"] == [
        {"id": pid, "user": speaker.user["id"], "name": speaker.user["name"], "kind": "screen"}]
    assert snapshot["media"]["ice_servers"] == []  # none configured: nobody is contacted
    listed = await late.call("media.list", {"session": "opening"})
    assert listed["publishers"] == snapshot["media"]["publishers"]
    await pub_pc.close()
    await speaker.close()
    await late.close()


async def test_unpublish_ends_the_stream_and_tells_everyone(server: Server, event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker, audio=False)
    await attendee.event("media.publishers", where=lambda d: d["publishers"])
    watcher = await Watcher(audio=False).watch(attendee, pid)
    await watcher.frames()
    assert await attendee.error("media.unpublish", {"publisher": pid}) == "forbidden"
    await speaker.call("media.unpublish", {"publisher": pid})
    await attendee.event("media.publishers", where=lambda d: d["publishers"] == [])
    assert await attendee.error("media.subscribe", {
        "publisher": pid, "sdp": await viewer_offer()}) == "not_found"
    await watcher.close()
    await pub_pc.close()
    await speaker.close()
    await attendee.close()


async def test_moderator_may_stop_a_speaker(server: Server, event: Event) -> None:
    speaker, moderator = await staff(server, event), await staff(server, event, "moderator")
    pid, pub_pc = await publish(speaker, audio=False)
    await moderator.call("media.unpublish", {"publisher": pid})
    await moderator.event("media.publishers", where=lambda d: d["publishers"] == [])
    await pub_pc.close()
    await speaker.close()
    await moderator.close()


async def test_leaving_the_session_ends_its_publisher(server: Server, event: Event) -> None:
    speaker, attendee = await staff(server, event), await staff(server, event, "attendee")
    _, pub_pc = await publish(speaker, audio=False)
    await attendee.event("media.publishers", where=lambda d: d["publishers"])
    await speaker.close()  # disconnects
    await attendee.event("media.publishers", where=lambda d: d["publishers"] == [])
    await pub_pc.close()
    await attendee.close()


async def test_rights(server: Server, event: Event) -> None:
    attendee = await staff(server, event, "attendee")
    pc = peer()
    pc.addTransceiver(FlatVideo(), direction="sendonly")
    sdp = await offer(pc)
    assert await attendee.error("media.publish", {"session": "opening", "kind": "camera",
                                                  "sdp": sdp}) == "forbidden"
    assert await attendee.error("media.publish", {"room": "no-such-room", "kind": "camera",
                                                  "sdp": sdp}) == "forbidden"
    outsider = await Client.connect(server, event.token("speaker"))  # never joined
    assert await outsider.error("media.publish", {"session": "opening", "kind": "camera",
                                                  "sdp": sdp}) == "forbidden"
    speaker = await staff(server, event)
    for bad in ({"session": "opening", "kind": "webcam", "sdp": sdp},
                {"session": "opening", "room": "r", "kind": "camera", "sdp": sdp},
                {"session": "opening", "kind": "camera", "sdp": "hello"},
                {"session": "opening", "kind": "camera", "sdp": sdp, "extra": 1}):
        assert await speaker.error("media.publish", bad) == "bad_request"
    assert await speaker.error("media.publish", {"session": "nowhere", "kind": "camera",
                                                 "sdp": sdp}) == "not_found"
    receive_only = await viewer_offer()  # sends nothing: not a publisher
    assert await speaker.error("media.publish", {"session": "opening", "kind": "camera",
                                                 "sdp": receive_only}) == "bad_request"
    snapshot = await attendee.call("media.list", {"session": "opening"})
    assert snapshot["publishers"] == [], "refused publishes left nothing behind"
    pid, pub_pc = await publish(speaker, audio=False)
    assert await outsider.error("media.subscribe", {"publisher": pid, "sdp": sdp}) \
        == "forbidden"
    with pytest.raises(CommandFailed):
        await outsider.call("media.unsubscribe", {"viewer": "v-unknown"})
    for c in (attendee, outsider, speaker):
        await c.close()
    await pc.close()
    await pub_pc.close()


async def test_other_events_do_not_see_each_others_publishers(server: Server,
                                                              event: Event) -> None:
    speaker = await staff(server, event)
    pid, pub_pc = await publish(speaker, audio=False)
    other = create_event(server)
    stranger = await Client.connect(server, other.token("attendee"))
    await stranger.join("opening")
    assert await stranger.error("media.subscribe", {
        "publisher": pid, "sdp": await viewer_offer()}) == "not_found"
    await pub_pc.close()
    await speaker.close()
    await stranger.close()



async def test_breakout_room_members_see_each_other(server: Server, event: Event) -> None:
    moderator = await staff(server, event, "moderator")
    a, b, c = [await staff(server, event, "attendee") for _ in range(3)]
    created = await moderator.call("breakout.create", {"session": "opening", "rooms": 2,
                                                       "assign": "self"})
    opened = await moderator.call("breakout.open", {"breakout": created["breakout"]["id"]})
    r1, r2 = (r["id"] for r in opened["breakout"]["rooms"])
    await a.call("breakout.join", {"room": r1})
    await b.call("breakout.join", {"room": r1})
    await c.call("breakout.join", {"room": r2})
    await b.call("room.join", {"room": r1})
    pid, pub_pc = await publish(a, session=None, room=r1, audio=False)
    await b.event("media.publishers", where=lambda d: [p["id"] for p in d["publishers"]] == [pid])
    listed = await b.call("media.list", {"room": r1})
    assert [p["id"] for p in listed["publishers"]] == [pid]
    watcher = await Watcher(audio=False).watch(b, pid)
    assert abs(luma((await watcher.frames())[-1]) - BRIGHT) < 8
    sdp = await viewer_offer()
    assert await c.error("media.subscribe", {"publisher": pid, "sdp": sdp}) == "forbidden"
    assert await c.error("media.list", {"room": r1}) == "forbidden"
    assert await c.error("media.publish", {"room": r1, "kind": "camera", "sdp": sdp}) \
        == "forbidden"
    await watcher.close()
    await pub_pc.close()
    for client in (moderator, a, b, c):
        await client.close()


async def test_viewers_on_another_process(cluster: tuple[Server, Server]) -> None:
    """Viewers on another process are served there, from one relay leg into that process."""
    a, b = cluster
    event = create_event(a)
    speaker = await staff(a, event)
    attendee, moderator = await staff(b, event, "attendee"), await staff(b, event, "moderator")
    pid, pub_pc = await publish(speaker, audio=False)
    await attendee.event("media.publishers", where=lambda d: d["publishers"])
    watcher = await Watcher(audio=False).watch(attendee, pid)
    assert abs(luma((await watcher.frames())[-1]) - BRIGHT) < 8
    await attendee.call("media.unsubscribe", {"viewer": watcher.viewer})
    assert await settled(b) == 0, "the last viewer's end ended the leg"
    other = await Watcher(audio=False, decode=False).watch(moderator, pid)
    await other.frames()
    gone = await Watcher(audio=False, decode=False).watch(attendee, pid)
    await gone.frames()
    assert (peers(a, "publisher"), peers(a, "leg_out"), peers(a, "viewer")) == (1, 1, 0)
    assert (peers(b, "leg_in"), peers(b, "viewer")) == (1, 2)
    await attendee.close()  # its process ends its viewer; the leg stays for the other
    assert await settled(b, 2) == 2
    attendee = await staff(b, event, "attendee")
    await moderator.call("media.unpublish", {"publisher": pid})
    await attendee.event("media.publishers", where=lambda d: d["publishers"] == [])
    assert await attendee.error("media.subscribe", {"publisher": pid,
                                                    "sdp": await viewer_offer()}) == "not_found"
    assert await settled(a) == 0
    assert await settled(b) == 0
    for w in (watcher, other, gone):
        await w.close()
    await pub_pc.close()
    for client in (speaker, attendee, moderator):
        await client.close()


async def test_a_slow_viewer_drops_to_a_keyframe_without_holding_back_others() -> None:
    """The relay's per-viewer queues, driven directly: one viewer never reads."""
    asked: list[str] = []
    stats = RelayStats()
    fast = ForwardTrack("video", lambda: asked.append("fast"), stats, limit=10)
    slow = ForwardTrack("video", lambda: asked.append("slow"), stats, limit=10)
    fast.reading = slow.reading = True  # both senders started
    received = []
    keys = (0, 95)
    packets = [av.Packet(bytes([0 if i in keys else 1, i])) for i in range(100)]
    for i, packet in enumerate(packets):
        key = i in keys
        fast.offer(packet, key)
        slow.offer(packet, key)
        received.append(await fast.recv())
    assert received == packets, "the fast viewer got every frame, in order"
    assert "slow" in asked and "fast" not in asked, "the slow one asked for a keyframe"
    assert stats.dropped >= 10 and stats.encoded == 0
    late = [await slow.recv() for _ in range(slow._queue.qsize())]
    assert late == packets[95:], "after dropping, the slow viewer resumed at a keyframe"
    waiting = ForwardTrack("video", lambda: asked.append("waiting"), stats)
    waiting.reading = True
    for packet in packets[1:20]:
        waiting.offer(packet, False)
    assert asked.count("waiting") == 1, "a waiting viewer asks again, but at most once a second"
    for track in (fast, slow, waiting):
        track.stop()


async def test_ice_servers_come_from_settings_with_turn_rest_credentials() -> None:
    srv = Server(env={"PLENARY_ICE_SERVERS": "stun:stun.test.invalid:3478,"
                                             "turn:turn.test.invalid:3478",
                      "PLENARY_TURN_SECRET": "turn-shared-secret",
                      "PLENARY_TURN_TTL_S": "600"}).start()
    try:
        event = create_event(srv)
        client = await Client.connect(srv, event.token("attendee"))
        ice = (await client.join("opening"))["media"]["ice_servers"]
        assert ice[0] == {"urls": ["stun:stun.test.invalid:3478"]}
        assert ice[1]["urls"] == ["turn:turn.test.invalid:3478"]
        expiry, user = ice[1]["username"].split(":")
        assert user == client.user["id"] and int(expiry) > time.time() + 500
        digest = hmac.new(b"turn-shared-secret", ice[1]["username"].encode(), hashlib.sha1)
        assert ice[1]["credential"] == base64.b64encode(digest.digest()).decode()
        await client.close()
    finally:
        srv.stop()
