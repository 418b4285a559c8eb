"""The accessibility sweep: every view checked with axe-core (no serious or critical finding) in
English and French, light and dark, at 375 px and 1280 px; a screenshot of each is kept under
tests/artifacts/sweep/ to be looked at. The room screen and the organisers' pages too.
"""

from __future__ import annotations

import pytest
from a11y import report, sweep
from playwright.async_api import expect

from conftest import PHONE, People
from harness import ADMIN_KEY, CODES, Client, Server, create_event

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


async def test_the_room_screen_and_the_admin_pages_pass_axe(people: People,
                                                            server: Server) -> None:
    event = create_event(server, codes={**CODES, "display": "code-display"})
    problems: dict[str, object] = {}

    screen = await people.page()
    await screen.goto(f"{server.http}/#/screen?event={event.id}&code=code-display")
    await screen.get_by_role("link", name="Opening").click()
    await expect(screen.locator("#screen-code")).to_have_text(CODES["attendee"])
    problems |= await sweep(screen, "screen-code")
    staff = await Client.connect(server, event.token("moderator", "Seed"))
    await staff.join("opening")
    poll = await staff.call("poll.create", {"session": "opening", "title": "Coffee or tea?",
                                            "kind": "single", "options": ["Coffee", "Tea"]})
    await staff.call("poll.open", {"poll": poll["poll"]["id"]})
    await staff.call("screen.show", {"session": "opening", "show": "poll"})
    await expect(screen.locator("#screen-poll h2")).to_have_text("Coffee or tea?")
    problems |= await sweep(screen, "screen-poll")
    await staff.close()

    admin = await people.page()
    await admin.goto(f"{server.http}/#/admin")
    await expect(admin.get_by_label("Admin key")).to_be_visible()
    problems |= await sweep(admin, "admin-sign-in")
    await admin.get_by_label("Admin key").fill(ADMIN_KEY)
    await admin.get_by_role("button", name="Sign in").click()
    await expect(admin.get_by_role("link", name="New event")).to_be_visible()
    problems |= await sweep(admin, "admin-events")
    await admin.goto(f"{server.http}/#/admin/{event.id}")
    await expect(admin.locator("#admin-codes .admin-code").first).to_be_visible()
    problems |= await sweep(admin, "admin-event")
    assert not problems, report(problems)
