"""Recording in the browser: a moderator switches recording on and everyone sees the badge;
afterwards the recording is listed under its session in the agenda and plays there, for
someone who missed it. The publisher is an aiortc peer (the stage's media path is the same
for a browser's; the WebRTC browser tests cover publishing from Chromium)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from playwright.async_api import expect

from conftest import PHONE, People, shot
from harness import Client

pytestmark = pytest.mark.browser


class CountedVideo(VideoStreamTrack):
    """aiortc's test picture at 30 fps, counting the frames it has sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.reached: tuple[int, asyncio.Event] | None = None

    async def recv(self) -> Any:
        frame = await super().recv()
        self.sent += 1
        if self.reached and self.sent >= self.reached[0]:
            self.reached[1].set()
        return frame

    async def send(self, more: int) -> None:
        """Wait until `more` further frames have gone out (30 a second)."""
        self.reached = (self.sent + more, asyncio.Event())
        await self.reached[1].wait()


async def publish(client: Client, video: CountedVideo) -> RTCPeerConnection:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(video, direction="sendonly")
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    reply = await client.call("media.publish", {"session": "opening", "kind": "camera",
                                                "sdp": pc.localDescription.sdp}, timeout=30)
    await pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
    return pc


async def test_recording_is_announced_then_plays_from_the_agenda(people: People) -> None:
    mod = await people.join("moderator", "Maria")
    viewer = await people.join("attendee", "Vik", viewport=PHONE)
    speaker = await Client.connect(people.event.server, people.event.token("speaker", "Sam"))
    await speaker.join("opening")
    video = CountedVideo()
    pc = await publish(speaker, video)
    await expect(viewer.locator("#rec-badge")).to_be_hidden()

    await mod.get_by_role("button", name="Record the stage").click()
    await expect(viewer.locator("#rec-badge")).to_have_text("● Recording")
    await expect(mod.get_by_role("button", name="Stop recording")).to_have_attribute(
        "aria-pressed", "true")
    await shot(viewer, "recording-badge-phone")
    await speaker.event("session.updated")
    await video.send(120)  # four seconds of the stage while recording
    await mod.get_by_role("button", name="Stop recording").click()
    await expect(viewer.locator("#rec-badge")).to_be_hidden()
    await pc.close()
    await speaker.close()

    await viewer.get_by_role("link", name="← Agenda").click()
    item = viewer.locator(".agenda-item[data-session=opening]")
    await viewer.reload()  # the list is read when the agenda opens
    await item.locator(".recordings summary").click()
    player = item.locator("video.recording")
    await expect(player).to_have_count(1)
    duration = await player.evaluate(
        "v => new Promise(ok => v.readyState >= 1 ? ok(v.duration)"
        " : v.addEventListener('loadedmetadata', () => ok(v.duration)))")
    assert duration > 1, duration
    await shot(viewer, "recording-agenda-phone")
