"""Media controls through the real client, with Chromium's fake camera and microphone: a
speaker mutes and turns the camera off and the attendee's tile says so; an interpreter
goes live in French from the booth and the attendee chooses French (the channel plays, the
floor is ducked); the attendee switches to audio only; the header badge follows the stage.

Like test_stage_browser.py, the scenario runs in a private network namespace (`unshare -n`,
as root). By hand: `unshare -n .venv/bin/python tests/e2e/test_media_controls_browser.py`.
"""

from __future__ import annotations

import pytest
from netns import FAKE_MEDIA, run_in_namespace, scenario_main

pytestmark = [pytest.mark.browser, pytest.mark.media]

VETH = ("plc0", "plc1")
ADDRESSES = ("10.205.0.1", "10.205.0.2")

PLAYING = """() => {
  const v = document.querySelector('#stage-videos video');
  return !!v && v.currentTime > 0.5 && v.videoWidth > 0;
}"""
CHANNEL = """() => {
  const a = document.querySelector('audio[data-channel]');
  const v = document.querySelector('#stage-videos video');
  return !!a && !!a.srcObject && a.srcObject.getAudioTracks().length > 0
    && Math.abs(v.volume - 0.1) < 1e-6;
}"""


def test_mute_and_a_language_channel_seen_by_an_attendee() -> None:
    result = run_in_namespace(__file__)
    assert result == {"error": None}, result


# -- the scenario, inside the namespace -----------------------------------------------------------
async def _scenario() -> None:
    from playwright.async_api import async_playwright, expect

    from conftest import ARGS, CHROMIUM, People, shot
    from harness import Server, create_event

    server = Server().start()
    try:
        event = create_event(server)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS + FAKE_MEDIA)
            try:
                people = People(browser, event)
                speaker = await people.join("speaker", "Sam")
                attendee = await people.join("attendee", "Ana")
                interpreter = await people.join("interpreter", "Iris")
                await expect(attendee.locator("#live-badge")).to_have_text("Not live")
                await speaker.get_by_role("button", name="Share camera").click()
                await attendee.wait_for_function(PLAYING, timeout=60_000)
                await expect(attendee.locator("#live-badge")).to_have_text("On stage")
                # Mute and camera off: no renegotiation, and the viewer's tile says so.
                await speaker.get_by_role("button", name="Mute microphone").click()
                marks = attendee.locator(".video-marks")
                await expect(marks).to_have_text("Microphone off")
                await speaker.get_by_role("button", name="Turn camera off").click()
                await expect(marks).to_have_text("Microphone off · Camera off")
                await speaker.get_by_role("button", name="Unmute microphone").click()
                await expect(marks).to_have_text("Camera off")
                await speaker.get_by_role("button", name="Turn camera on").click()
                await expect(marks).to_be_hidden()
                # The interpreter goes live in French; the attendee chooses French.
                await interpreter.locator("#stage-booth-lang").select_option("fr")
                await interpreter.get_by_role("button", name="Start interpreting").click()
                await expect(interpreter.get_by_text("You are live in French")).to_be_visible()
                await attendee.get_by_label("Listen to").select_option("fr")
                await attendee.wait_for_function(CHANNEL, timeout=60_000)
                await attendee.get_by_role("button", name="Audio only").click()
                await expect(attendee.get_by_role("button", name="Show video")).to_be_visible()
                await shot(attendee, "media-controls-attendee-1280")
                await shot(interpreter, "media-controls-booth-1280")
                await attendee.set_viewport_size({"width": 375, "height": 800})
                await shot(attendee, "media-controls-attendee-375")
                await attendee.get_by_label("Listen to").select_option("")
                await expect(attendee.locator("audio[data-channel]")).to_have_count(0)
                assert not people.errors, people.errors
            finally:
                await browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    scenario_main(_scenario, VETH, ADDRESSES)
