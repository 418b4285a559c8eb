"""Recording the stage, with real aiortc peers, on both backends: a moderator switches
recording on, the publisher's encoded frames are written as they are relayed (no decoding),
the file decodes with PyAV to the frames and duration it should, a publisher that
reconnects starts a new segment, the media streams with range requests, and the captions
said meanwhile come as WebVTT beside it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import av
import pytest
import webvtt
from test_media import Watcher, publish, staff

from harness import Client, Event, Server, http

pytestmark = pytest.mark.media


async def recordings(event: Event, token: str, want: int, timeout: float = 20) -> list[Any]:
    """The event's finished recordings once there are `want` (a segment is listed when its
    file is complete: there is no event to await, so the list is polled)."""
    url = f"{event.server.http}/api/events/{event.id}/recordings"
    deadline = time.monotonic() + timeout
    while True:
        status, body = http("GET", url, token=token)
        assert status == 200, body
        if len(body["recordings"]) >= want or time.monotonic() > deadline:
            return list(body["recordings"])
        await asyncio.sleep(0.2)


async def set_recording(moderator: Client, on: bool) -> None:
    reply = await moderator.call("session.update", {"session": "opening", "recording": on})
    assert reply["session"]["recording"] is on


def decode(path: str) -> tuple[int, float, int]:
    """Video frames decoded, the file's duration in seconds, audio frames decoded."""
    with av.open(path) as container:
        duration = (container.duration or 0) / 1_000_000
        video = sum(1 for _ in container.decode(video=0))
    with av.open(path) as container:
        audio = sum(1 for _ in container.decode(audio=0))
    return video, duration, audio


async def test_a_recorded_stage_decodes_to_its_frames_and_duration(
        server: Server, event: Event, tmp_path: Any) -> None:
    speaker, moderator = await staff(server, event), await staff(server, event, "moderator")
    captioner = await staff(server, event, "captioner")
    viewer_client = await staff(server, event, "attendee")
    pid, pub_pc = await publish(speaker)
    watcher = await Watcher(decode=False).watch(viewer_client, pid)
    await watcher.until(10)

    await set_recording(moderator, True)
    assert (await viewer_client.event("session.updated"))["data"]["session"]["recording"]
    start = watcher.count
    await watcher.until(start + 45)  # recording starts at the next media round (within 1 s)
    await captioner.call("caption.line", {"session": "opening", "text": "Recorded words."})
    await watcher.until(start + 90)  # three seconds of video while recording
    await set_recording(moderator, False)
    token = event.token("attendee")
    [segment] = await recordings(event, token, 1)
    assert segment["session"] == "opening" and segment["kind"] == "camera"
    assert segment["container"] == "webm" and segment["bytes"] > 0
    assert segment["publisher"] == speaker.user["name"]

    url = f"{server.http}/api/events/{event.id}/recordings/{segment['id']}"
    status, media = http("GET", url + f"?token={token}", raw=True)
    assert status == 200 and len(media) == segment["bytes"]
    path = tmp_path / "stage.webm"
    path.write_bytes(media)
    video, duration, audio = decode(str(path))
    assert 30 <= video <= 120, video  # 1 to 4 s of a 30 fps publisher
    assert abs(duration - video / 30) < 0.5, (duration, video)
    assert audio >= 25 * duration, "the audio is recorded too (50 frames a second)"

    # Seeking: a range request answers only those bytes.
    status, part = http("GET", url, token=token, raw=True, headers={"Range": "bytes=0-99"})
    assert status == 206 and part == media[:100]
    status, text = http("GET", url + "/captions.vtt?lang=en", token=token, raw=True)
    assert status == 200
    assert [c.text for c in webvtt.from_string(text.decode())] == ["Recorded words."]

    for client in (speaker, moderator, captioner, viewer_client):
        await client.close()
    await watcher.close()
    await pub_pc.close()


async def test_a_publisher_reconnecting_starts_a_new_segment(server: Server, event: Event) -> None:
    speaker, moderator = await staff(server, event), await staff(server, event, "moderator")
    viewer_client = await staff(server, event, "attendee")
    await set_recording(moderator, True)
    for _ in range(2):  # publish, drop, publish again while recording stays on
        pid, pub_pc = await publish(speaker)
        watcher = await Watcher(decode=False, audio=False).watch(viewer_client, pid)
        await watcher.until(60)
        await speaker.call("media.unpublish", {"publisher": pid})
        await watcher.close()
        await pub_pc.close()
    await set_recording(moderator, False)
    segments = await recordings(event, event.token("attendee"), 2)
    assert len(segments) == 2 and segments[0]["started_at"] <= segments[1]["started_at"]
    assert len({s["id"] for s in segments}) == 2
    for client in (speaker, moderator, viewer_client):
        await client.close()


async def test_recordings_are_for_this_events_people_and_switching_is_for_moderators(
        server: Server, event: Event) -> None:
    speaker = await staff(server, event)
    assert await speaker.error("session.update", {"session": "opening", "recording": True}) \
        == "forbidden"
    url = f"{server.http}/api/events/{event.id}/recordings"
    assert http("GET", url)[0] == 401
    assert http("GET", url + "/r-000000000000", token=event.token("attendee"))[0] == 404
    assert http("GET", url + "/..%2F..%2Fetc", token=event.token("attendee"), raw=True)[0] == 404
    await speaker.close()
