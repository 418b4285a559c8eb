"""Being brought on stage, through the real client with a fake camera: an attendee raises a
hand, the moderator brings them on stage, they share their camera, another attendee's stage
plays it; the moderator ends the turn and the camera stops for everyone.

WebRTC in Chromium needs a private network namespace, as in test_stage_browser.py.
By hand: `unshare -n .venv/bin/python tests/e2e/test_stage_grant_browser.py`.
"""

from __future__ import annotations

import pytest
from netns import FAKE_MEDIA, run_in_namespace, scenario_main

pytestmark = [pytest.mark.browser, pytest.mark.media]

VETH = ("plg0", "plg1")
ADDRESSES = ("10.205.0.1", "10.205.0.2")

PLAYING = """() => {
  const v = document.querySelector('#stage-videos video:not(.preview)');
  return !!v && v.currentTime > 0.5 && v.videoWidth > 0;
}"""


def test_an_attendee_brought_on_stage_shares_a_camera_until_the_turn_ends() -> None:
    result = run_in_namespace(__file__)
    assert result == {"error": None}, result


# -- the scenario, inside the namespace -----------------------------------------------------------
async def _scenario() -> None:
    from playwright.async_api import async_playwright, expect

    from conftest import ARGS, CHROMIUM, LAPTOP, PHONE, People, shot
    from harness import Server, create_event

    server = Server().start()
    try:
        event = create_event(server)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS + FAKE_MEDIA)
            try:
                people = People(browser, event)
                moderator = await people.join("moderator", "Mia", viewport=LAPTOP)
                ana = await people.join("attendee", "Ana", viewport=PHONE)
                bo = await people.join("attendee", "Bo", viewport=LAPTOP)
                share = ana.get_by_role("button", name="Share camera")
                await expect(share).to_be_hidden()  # no grant, no camera
                await ana.get_by_role("button", name="Raise hand").click()
                await moderator.get_by_role("button", name="Bring on stage").click()
                await expect(ana.locator("#hand-status")).to_contain_text("You are on stage")
                await share.click()
                await expect(ana.locator("#stage-videos video.preview")).to_have_count(1)
                await bo.wait_for_function(PLAYING, timeout=60_000)
                await expect(moderator.locator("#on-stage")).to_contain_text("Ana")
                await shot(ana, "live-attendee-on-stage-phone")
                await shot(bo, "live-attendee-watching-audience-member")
                await moderator.get_by_role("button", name="End their turn").click()
                await expect(share).to_be_hidden()
                await expect(ana.locator("#stage-videos video")).to_have_count(0)
                await expect(bo.locator("#stage-videos video")).to_have_count(0)
                await expect(ana.get_by_role("button", name="Raise hand")).to_be_visible()
                assert not people.errors, people.errors
            finally:
                await browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    scenario_main(_scenario, VETH, ADDRESSES)
