"""Interpretation channels and what publishers say they send (`media.state`), with real
aiortc peers on both backends and across two processes."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiortc import MediaStreamTrack
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from test_media import FlatVideo, Watcher, answer, offer, peer, peers, publish, staff

from harness import Client, Event, Server, create_event

pytestmark = pytest.mark.media


async def interpret(client: Client, lang: str | None = "fr") -> tuple[str, object]:
    """Publish an interpretation channel: audio only, labelled with its language."""
    pc = peer()
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    data = {"session": "opening", "kind": "interpretation", "sdp": await offer(pc)}
    if lang:
        data["lang"] = lang
    reply = await client.call("media.publish", data, timeout=30)
    await answer(pc, reply["sdp"])
    return reply["publisher"], pc


class Listener:
    """A viewer of one audio publisher: counts the audio frames it decodes."""

    def __init__(self) -> None:
        self.pc = peer()
        self.pc.addTransceiver("audio", direction="recvonly")
        self.heard = 0
        self._arrived = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._tasks.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.heard += 1
                self._arrived.set()

    async def listen(self, client: Client, publisher: str) -> Listener:
        reply = await client.call("media.subscribe", {"publisher": publisher,
                                                      "sdp": await offer(self.pc)}, timeout=30)
        await answer(self.pc, reply["sdp"])
        return self

    async def until(self, count: int) -> None:
        while self.heard < count:
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), 15)

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()


async def test_a_language_channel_reaches_the_viewers_who_chose_it(server: Server,
                                                                   event: Event) -> None:
    speaker, interpreter = await staff(server, event), await staff(server, event, "interpreter")
    chose, floor_only = await staff(server, event, "attendee"), await staff(server, event,
                                                                           "attendee")
    floor, floor_pc = await publish(speaker)
    fr, fr_pc = await interpret(interpreter)
    listed = await chose.event("media.publishers", where=lambda d: len(d["publishers"]) == 2)
    channel = next(p for p in listed["data"]["publishers"] if p["id"] == fr)
    assert channel == {"id": fr, "user": interpreter.user["id"], "name": interpreter.user["name"],
                       "kind": "interpretation", "lang": "fr"}
    # The interpreter hears the floor; the viewer who chose French gets the floor's video
    # and the French audio; the other one only the floor.
    booth = await Watcher(decode=False).watch(interpreter, floor)
    french = await Listener().listen(chose, fr)
    picture = await Watcher(decode=False).watch(chose, floor)
    plain = await Watcher(decode=False).watch(floor_only, floor)
    await french.until(50)
    for w in (booth, picture, plain):
        await w.frames()
        await w.until_audio(10)
    assert peers(server, "viewer") == 4, "one viewer of the channel: the one who chose it"
    for w in (booth, picture, plain, french):
        await w.close()
    for pc in (floor_pc, fr_pc):
        await pc.close()
    for c in (speaker, interpreter, chose, floor_only):
        await c.close()


async def test_who_publishes_interpretation_and_how(server: Server, event: Event) -> None:
    attendee, interpreter = await staff(server, event, "attendee"), await staff(server, event,
                                                                                "interpreter")
    audio = peer()
    audio.addTransceiver(AudioStreamTrack(), direction="sendonly")
    sound = await offer(audio)
    both = peer()
    both.addTransceiver(FlatVideo(), direction="sendonly")
    both.addTransceiver(AudioStreamTrack(), direction="sendonly")
    camera = await offer(both)
    where = {"session": "opening"}
    assert await attendee.error("media.publish", {**where, "kind": "interpretation",
                                                  "lang": "fr", "sdp": sound}) == "forbidden"
    assert await interpreter.error("media.publish", {**where, "kind": "camera",
                                                     "sdp": camera}) == "forbidden"
    for bad in ({**where, "kind": "interpretation", "sdp": sound},
                {**where, "kind": "interpretation", "lang": "fr", "sdp": camera},
                {**where, "kind": "interpretation", "lang": "French", "sdp": sound},
                {**where, "kind": "camera", "lang": "fr", "sdp": camera}):
        assert await interpreter.error("media.publish", bad) == "bad_request"
    listed = await attendee.call("media.list", where)
    assert listed["publishers"] == [], "refused publishes left nothing behind"
    for pc in (audio, both):
        await pc.close()
    await attendee.close()
    await interpreter.close()


async def test_booth_partners_hand_over_without_a_gap(server: Server, event: Event) -> None:
    first, second = await staff(server, event, "interpreter"), await staff(server, event,
                                                                           "interpreter")
    viewer = await staff(server, event, "attendee")
    a, a_pc = await interpret(first)
    b, b_pc = await interpret(second)
    await second.call("media.state", {"publisher": b, "audio": False})  # off duty
    listed = await viewer.event("media.publishers", where=lambda d: any(
        p.get("audio") is False for p in d["publishers"]))
    assert {p["id"]: p.get("audio", True) for p in listed["data"]["publishers"]} \
        == {a: True, b: False}
    # The viewer chose French: it receives both partners of the channel.
    on_a, on_b = await Listener().listen(viewer, a), await Listener().listen(viewer, b)
    await on_a.until(20)
    await on_b.until(20)
    # The hand-over: the second unmutes, the first mutes, then leaves.
    assert await second.call("media.state", {"publisher": b, "audio": True}) \
        == {"publisher": b, "audio": True, "video": True}
    await first.call("media.state", {"publisher": a, "audio": False})
    await first.call("media.unpublish", {"publisher": a})
    await viewer.event("media.publishers", where=lambda d: [p["id"] for p in d["publishers"]]
                       == [b] and "audio" not in d["publishers"][0])
    heard = on_b.heard
    await on_b.until(heard + 50)  # the second partner's audio never stopped
    assert await first.error("media.state", {"publisher": b, "audio": False}) == "forbidden"
    assert await second.error("media.state", {"publisher": b, "audio": "no"}) == "bad_request"
    for w in (on_a, on_b):
        await w.close()
    for pc in (a_pc, b_pc):
        await pc.close()
    for c in (first, second, viewer):
        await c.close()


async def test_a_mute_is_seen_by_viewers_on_another_process(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    token = event.token("speaker")
    speaker = await Client.connect(a, token)
    await speaker.join("opening")
    same_person = await Client.connect(b, token)  # the same speaker, on the other process
    await same_person.join("opening")
    viewer = await staff(b, event, "attendee")
    pid, pub_pc = await publish(speaker)
    await viewer.event("media.publishers", where=lambda d: d["publishers"])
    await same_person.call("media.state", {"publisher": pid, "video": False})
    seen = await viewer.event("media.publishers", where=lambda d: d["publishers"]
                              and d["publishers"][0].get("video") is False)
    assert seen["data"]["publishers"][0]["id"] == pid
    late = await Client.connect(b, event.token("attendee"))
    snapshot = await late.join("opening")
    assert snapshot["media"]["publishers"][0].get("video") is False, "late joiners see it too"
    await pub_pc.close()
    for c in (speaker, same_person, viewer, late):
        await c.close()
