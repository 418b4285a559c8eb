"""The accessibility sweep: every view checked with axe-core (no serious or critical finding) in
English and French, light and dark, at 375 px and 1280 px; a screenshot of each is kept under
tests/artifacts/sweep/ to be looked at. Views from other features join the list as they land.
"""

from __future__ import annotations

import pytest
from a11y import report, sweep
from playwright.async_api import expect

from conftest import PHONE, People
from harness import Client

pytestmark = pytest.mark.browser


async def test_every_view_passes_axe_in_both_languages_and_themes(people: People) -> None:
    event = people.event
    problems: dict[str, object] = {}

    # The join page, as a newcomer sees it.
    newcomer = await people.page(viewport=PHONE)
    await newcomer.goto(f"{event.server.http}/#/join?event={event.id}")
    await expect(newcomer.locator("#join-name")).to_be_visible()
    problems |= await sweep(newcomer, "join")

    # Content to look at: an open poll with an answer, a published question.
    staff = await Client.connect(event.server, event.token("moderator", "Seed"))
    await staff.join("open-floor")
    poll = (await staff.call("poll.create", {
        "session": "open-floor", "title": "Which topic should we cover first?",
        "kind": "single", "options": ["Work–life balance", "Managing a team", "Counselling"]}))
    await staff.call("poll.open", {"poll": poll["poll"]["id"]})

    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE,
                            session="open-floor")
    await ana.locator("#ask-text").fill("Will the slides be shared afterwards?")
    await ana.get_by_role("button", name="Send question").click()
    await expect(ana.locator("#questions .question")).to_have_count(1)
    problems |= await sweep(ana, "attendee")

    await ana.goto(f"{event.server.http}/#/agenda")
    await expect(ana.get_by_role("link", name="Opening")).to_be_visible()
    problems |= await sweep(ana, "agenda")

    mod = await people.join("moderator", "Maria", session="open-floor")
    await expect(mod.locator("#questions-published .question, .queue .question").first) \
        .to_be_visible()
    problems |= await sweep(mod, "moderator")

    speaker = await people.join("speaker", "Sam", session="open-floor")
    problems |= await sweep(speaker, "presenter")

    # A breakout room, as one of its members sees it.
    await ana.goto(f"{event.server.http}/#/session/open-floor")
    await expect(ana.locator("#qa-panel")).to_be_visible()
    await mod.locator("#brc-rooms").fill("Wellbeing circle")
    await mod.get_by_role("button", name="Create rooms").click()
    await mod.get_by_role("button", name="Open rooms").click()
    await expect(ana.locator("#room-h")).to_have_text("Room: Wellbeing circle")
    await ana.locator("#room-say").fill("Hello everyone")
    await ana.get_by_role("button", name="Send", exact=True).click()
    await expect(ana.locator("#room-messages .message")).to_have_count(1)
    problems |= await sweep(ana, "breakout-room")
    problems |= await sweep(mod, "moderator-breakout", langs=("en",))

    await staff.close()
    assert not problems, report(problems)
