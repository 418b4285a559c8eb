"""The live stage through the real client: a speaker shares a camera from the presenter
view, an attendee's stage plays it, and it goes when the speaker stops.

Chromium gathers no ICE candidate on loopback alone, so, like test_media_browser.py, the
scenario runs in a private network namespace (`unshare -n`, as root) with a veth pair and a
default route that exist only in there; pages come from 127.0.0.1 (no mDNS candidates).
By hand: `unshare -n .venv/bin/python tests/e2e/test_stage_browser.py`.
"""

from __future__ import annotations

import pytest
from netns import FAKE_MEDIA, run_in_namespace, scenario_main

pytestmark = [pytest.mark.browser, pytest.mark.media]

VETH = ("pls0", "pls1")
ADDRESSES = ("10.204.0.1", "10.204.0.2")

PLAYING = """() => {
  const v = document.querySelector('#stage-videos video');
  return !!v && v.currentTime > 0.5 && v.videoWidth > 0;
}"""


def test_speaker_shares_camera_attendee_stage_plays_it() -> None:
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
                await expect(speaker.locator("#stage-h")).to_have_text("Live stage")
                await speaker.get_by_role("button", name="Share camera").click()
                await expect(speaker.get_by_role("button", name="Stop the camera")).to_be_visible()
                await expect(speaker.locator("#stage-videos video.preview")).to_have_count(1)
                await attendee.wait_for_function(PLAYING, timeout=60_000)
                await expect(attendee.locator("#stage-note")).to_be_hidden()
                # The video says whose it is, on screen and by its accessible name.
                await expect(attendee.locator("#stage-videos figcaption")).to_have_text(
                    "Sam's camera")
                await expect(attendee.get_by_label("Sam's camera")).to_have_count(1)
                await shot(attendee, "stage-attendee-watching")
                await shot(speaker, "stage-speaker-sharing")
                await speaker.get_by_role("button", name="Stop the camera").click()
                await expect(attendee.locator("#stage-videos video")).to_have_count(0)
                await expect(attendee.locator("#stage-note")).to_be_visible()
                assert not people.errors, people.errors
            finally:
                await browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    scenario_main(_scenario, VETH, ADDRESSES)
