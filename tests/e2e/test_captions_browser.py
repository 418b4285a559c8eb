"""Live captions in the browser: a captioner types lines at the desk, viewers see them under
the stage on a phone and a laptop, can turn them off, and pick a language when two
captioners work."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot
from harness import CODES, Client, Server, create_event

pytestmark = pytest.mark.browser


async def test_a_captioners_lines_reach_viewers_who_can_hide_them(people: People) -> None:
    captioner = await people.join("captioner", "Cam")
    viewer = await people.join("attendee", "Vera", viewport=PHONE)
    speaker = await people.join("speaker", "Sam")
    await expect(viewer.locator("#captions")).to_be_hidden()  # nothing captioned yet

    line = captioner.locator("#desk-line")
    await line.fill("Welcome to the well-being conference.")
    await line.press("Enter")
    await expect(line).to_have_value("")
    await expect(line).to_be_focused()  # the next line follows at once
    await expect(viewer.locator("#captions-lines")).to_have_text(
        "Welcome to the well-being conference.")
    await expect(speaker.locator("#captions-lines")).to_contain_text("Welcome")
    await expect(viewer.locator("#captions-lines")).to_have_attribute("aria-live", "polite")

    for text in ("Today we measure engagement.", "Three surveys, one per day."):
        await line.fill(text)
        await line.press("Enter")
    shown = viewer.locator("#captions-lines .caption-line")
    await expect(shown).to_have_text(["Today we measure engagement.",
                                      "Three surveys, one per day."])
    await shot(viewer, "captions-phone")
    await shot(captioner, "captions-desk-laptop")

    toggle = viewer.get_by_role("button", name="Hide captions")
    await toggle.click()
    await expect(viewer.locator("#captions-lines")).to_be_hidden()
    await expect(viewer.get_by_role("button", name="Show captions")).to_have_attribute(
        "aria-pressed", "false")
    await viewer.reload()  # the choice is remembered
    await expect(viewer.get_by_role("button", name="Show captions")).to_be_visible()
    await expect(viewer.locator("#captions-lines")).to_be_hidden()


async def test_two_languages_a_french_viewer_gets_french_lines(people: People) -> None:
    english = await people.join("captioner", "Ed")
    french = await people.join("captioner", "Fanny", locale="fr-FR")
    viewer = await people.join("attendee", "Élodie", locale="fr-FR")
    await english.locator("#desk-line").fill("Good morning.")
    await english.locator("#desk-line").press("Enter")
    await expect(french.locator("#desk-lang")).to_have_value("fr")
    await french.locator("#desk-line").fill("Bonjour.")
    await french.locator("#desk-line").press("Enter")
    await expect(viewer.locator("#captions-lines")).to_have_text("Bonjour.")
    picker = viewer.get_by_label("Langue des sous-titres")
    await picker.select_option("en")
    await expect(viewer.locator("#captions-lines")).to_have_text("Good morning.")


async def test_the_room_screen_shows_captions_large_along_the_bottom(
        people: People, server: Server) -> None:
    event = create_event(server, codes={**CODES, "display": "code-display"})
    captioner = await Client.connect(server, event.token("captioner"))
    await captioner.join("opening")
    context = await people.browser.new_context(viewport={"width": 1280, "height": 720})
    screen = await context.new_page()
    await screen.goto(f"{server.http}/#/screen?event={event.id}&code=code-display")
    await screen.get_by_role("link", name="Opening").click()
    await expect(screen.locator("#screen-captions")).to_be_hidden()
    await captioner.call("caption.line", {"session": "opening", "text": "Seen from the back."})
    await expect(screen.locator("#screen-captions")).to_have_text("Seen from the back.")
    size = await screen.locator("#screen-captions").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24, size  # readable from the back of a hall
    await shot(screen, "captions-room-screen")
    await captioner.close()
    await context.close()
