"""The organiser's day in a real Chromium: an organiser builds an event with two sessions in
the admin pages; an attendee joins with the short code on a phone, and reads the agenda in
the event's zone beside their own; the room screen shows the QR code (read back from a
screenshot with zxing-cpp) and a poll's live results, switched by the moderator."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, Page, expect

from conftest import LAPTOP, PHONE, TIMEOUT_MS, People, shot
from harness import ADMIN_KEY, CODES, Client, Server, create_event, http

pytestmark = pytest.mark.browser

DISPLAY = "code-display"


async def new_page(browser: Browser, people: People | None = None, **options: Any) -> Page:
    context = await browser.new_context(**{"viewport": LAPTOP, "locale": "en-GB", **options})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    if people is not None:
        page.on("pageerror", lambda exc: people.errors.append(str(exc)))
    return page


async def test_an_organiser_creates_an_event_with_two_sessions(people: People,
                                                               server: Server) -> None:
    page = await people.page()
    await page.goto(f"{server.http}/#/admin")
    await page.get_by_label("Admin key").fill("not-the-key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#admin .form-error")).to_have_text("This admin key is not valid.")
    await page.get_by_label("Admin key").fill(ADMIN_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="New event").click()

    suffix = secrets.token_hex(2)
    await page.get_by_label("Title").fill(f"Well-being day {suffix}")
    event_id = await page.locator("#ev-id").input_value()
    assert event_id == f"well-being-day-{suffix}"
    await page.get_by_label("Short event code").fill(f"WELL{suffix}")
    await page.get_by_label("Time zone").fill("Europe/Brussels")
    await page.get_by_label("Days or modules").fill("Day 1\nDay 2")
    for n, (title, starts, ends, room) in enumerate([
        ("Keynote", "2030-06-14T09:30", "2030-06-14T10:30", "Plenary hall"),
        ("Focus groups", "2030-06-14T14:00", "2030-06-14T15:30", "Room 2"),
    ]):
        await page.get_by_role("button", name="Add a session").click()
        row = page.locator(".admin-session").nth(n)
        await row.locator(".s-title").fill(title)
        await row.locator(".s-starts").fill(starts)
        await row.locator(".s-ends").fill(ends)
        await row.locator(".s-room").fill(room)
        await row.locator(".s-speakers").fill("Dr Ana, Bo")
    await shot(page, "admin-new-event-laptop")
    await page.get_by_role("button", name="Create the event").click()

    # The event's page: its codes, shown and rotatable.
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Well-being day {suffix}")
    await expect(page.locator("#admin-codes .admin-code")).to_have_count(4)
    status, saved = http("GET", f"{server.http}/api/events/{event_id}/export", token=ADMIN_KEY)
    assert status == 200 and saved["short_code"] == f"WELL{suffix}".upper()
    assert [(s["id"], s["starts_at"], s["room"]) for s in saved["sessions"]] == [
        ("keynote", "2030-06-14T09:30:00+02:00", "Plenary hall"),
        ("focus-groups", "2030-06-14T14:00:00+02:00", "Room 2")]
    assert saved["sessions"][0]["speakers"] == ["Dr Ana", "Bo"]
    old = saved["codes"]["attendee"]
    attendee = page.locator('.admin-code[data-role="attendee"]')
    await expect(attendee.locator(".code-value")).to_have_text(old)
    await attendee.get_by_role("button", name="Rotate").click()
    await attendee.get_by_role("button", name="Sure? The old code stops working").click()
    await expect(attendee.locator(".code-value")).not_to_have_text(old)
    assert http("POST", f"{server.http}/api/events/{event_id}/join",
                {"name": "Late", "code": old})[0] == 401
    # A webhook: its secret shown once, then removed.
    await page.get_by_label("Address (https://…)").fill("https://hooks.example.org/plenary")
    await page.get_by_role("button", name="Add the webhook").click()
    await expect(page.locator("#hook-secret")).to_contain_text("whsec_")
    await expect(page.locator("#hooks .hook")).to_have_count(1)
    await expect(page.locator("#deliveries")).to_contain_text("Nothing sent yet.")
    await page.set_viewport_size(PHONE)
    await shot(page, "admin-event-codes-phone")
    await page.locator("#hooks").get_by_role("button", name="Remove").click()
    await expect(page.locator("#hooks")).to_contain_text("No webhooks.")

    # Edit: the times stay on the event's clocks; then delete from the list.
    await page.set_viewport_size(LAPTOP)
    await page.locator(".admin-session").nth(1).locator(".s-room").fill("Room 3")
    # The first "Saved" may still be up (one toast per distinct message): dismiss it, so the
    # one awaited next is this save's.
    dismiss = page.locator("#toasts button")
    while await dismiss.count():
        await dismiss.first.click()
    await expect(page.locator("#toasts")).not_to_contain_text("Saved")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#toasts")).to_contain_text("Saved")
    saved = http("GET", f"{server.http}/api/events/{event_id}/export", token=ADMIN_KEY)[1]
    assert saved["sessions"][1]["room"] == "Room 3"
    assert saved["sessions"][1]["starts_at"] == "2030-06-14T14:00:00+02:00"
    await page.get_by_role("link", name="← All events").click()
    row = page.locator(f'.admin-event[data-event="{event_id}"]')
    await expect(row).to_contain_text("2 sessions")
    await shot(page, "admin-events-laptop")
    await row.get_by_role("button", name="Delete").click()
    await row.get_by_role("button", name="for good").click()
    await expect(row).to_have_count(0)
    assert http("GET", f"{server.http}/api/events/{event_id}")[0] == 404


async def test_an_attendee_joins_with_the_short_code_on_a_phone(browser: Browser,
                                                                people: People,
                                                                server: Server) -> None:
    code = "HALL" + secrets.token_hex(2).upper()
    sessions = [
        {"id": "opening", "title": "Opening", "starts_at": "2020-01-01T09:00:00+01:00",
         "ends_at": "2099-01-01T09:00:00+01:00", "room": "Hall A", "track": "Main"},
        {"id": "later", "title": "Later on", "starts_at": "2099-06-14T14:00:00+02:00",
         "ends_at": "2099-06-14T15:00:00+02:00"},
    ]
    event = create_event(server, short_code=code, guests=True, timezone="Europe/Brussels",
                         sessions=sessions)
    page = await new_page(browser, people, viewport=PHONE, timezone_id="America/New_York",
                          is_mobile=True, has_touch=True)
    await page.goto(f"{server.http}/")
    await page.get_by_label("Event code").fill("nope1234")
    await page.get_by_role("button", name="Join").click()
    await expect(page.locator("#join-error")).to_have_text(
        "No event has this code: check it and try again.")
    await page.get_by_label("Event code").fill(code.lower())
    await shot(page, "join-short-code-phone")
    await page.get_by_role("button", name="Join").click()  # no name: the event takes guests

    await expect(page.get_by_role("heading", level=1)).to_have_text("Test conference")
    await expect(page.get_by_text("Signed in as Guest ")).to_be_visible()
    await expect(page.locator("#agenda-zone")).to_contain_text("Europe/Brussels")
    opening = page.locator('.agenda-item[data-session="opening"]')
    await expect(opening.locator(".badge-live")).to_have_text("Live now")
    await expect(opening.locator(".local-time")).to_contain_text("your time: ")
    await expect(opening.locator(".when time")).to_contain_text("09:00")
    await expect(opening.locator(".local-time")).to_contain_text("03:00")  # New York
    await expect(opening).to_contain_text("Hall A · Track: Main")
    later = page.locator('.agenda-item[data-session="later"]')
    await expect(later.locator(".badge-next")).to_have_text("Next")
    href = await later.get_by_role("link", name="Add to calendar").get_attribute("href")
    status, ics = http("GET", f"{server.http}{href}", raw=True)
    assert status == 200 and b"SUMMARY:Later on" in ics
    await shot(page, "agenda-time-zones-phone")
    await page.get_by_role("link", name="Opening").click()
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "online")

    # The organisers delete the event: the next visit says so plainly.
    assert http("DELETE", f"{server.http}/api/events/{event.id}", token=ADMIN_KEY)[0] == 204
    await page.goto(f"{server.http}/#/agenda")
    await expect(page.locator("#event-gone h1")).to_have_text("This event no longer exists")
    await shot(page, "event-gone-phone")


def read_qr(path: str) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


async def test_the_room_screen_shows_the_qr_and_a_polls_live_results(browser: Browser,
                                                                     people: People,
                                                                     server: Server) -> None:
    event = create_event(server, codes={**CODES, "display": DISPLAY})
    moderator = await Client.connect(server, event.token("moderator"))
    await moderator.join("opening")
    voters = [await Client.connect(server, event.token()) for _ in range(3)]
    for voter in voters:
        await voter.join("opening")

    screen = await new_page(browser, people)
    await screen.goto(f"{server.http}/#/screen?event={event.id}&code={DISPLAY}")
    await screen.get_by_role("link", name="Opening").click()
    await expect(screen.locator("#screen-code")).to_have_text(CODES["attendee"])
    qr = screen.locator("#screen-qr")
    await expect(qr).to_be_visible()
    path = await shot(screen, "screen-join-code-laptop")
    link = f"/#/join?event={event.id}&code={CODES['attendee']}"
    found = read_qr(str(path))
    assert len(found) == 1 and found[0].endswith(link), found
    status, invite = http("GET", f"{server.http}/api/events/{event.id}/invite",
                          token=event.token("moderator"))
    assert status == 200 and found == [invite["link"]]

    # The moderator switches the screen to the poll; results follow the votes, and wait for
    # the poll's threshold (2 answers) exactly as an attendee's phone does.
    poll = (await moderator.call("poll.create", {
        "session": "opening", "title": "Coffee or tea?", "kind": "single",
        "options": ["Coffee", "Tea"], "min_responses": 2}))["poll"]
    await moderator.call("poll.open", {"poll": poll["id"]})
    await moderator.call("screen.show", {"session": "opening", "show": "poll"})
    await expect(screen.locator("#screen-poll h2")).to_have_text("Coffee or tea?")
    await voters[0].call("poll.vote", {"poll": poll["id"], "choices": [0]})
    await expect(screen.locator("#screen-poll")).to_contain_text("Results will appear here.")
    await voters[1].call("poll.vote", {"poll": poll["id"], "choices": [0]})
    await voters[2].call("poll.vote", {"poll": poll["id"], "choices": [1]})
    bars = screen.locator("#screen-poll .bar-value")
    await expect(bars.nth(0)).to_have_text("2 (67%)")
    await expect(bars.nth(1)).to_have_text("1 (33%)")
    await expect(screen.locator("#screen-corner")).to_contain_text(CODES["attendee"])
    await shot(screen, "screen-poll-results-laptop")

    # Questions, then blank; the screen can do nothing itself.
    # Only approved questions reach the wall; pinned ones come first.
    asked = [(await voters[0].call("qa.ask", {"session": "opening", "text": text}))["question"]
             for text in ("Will slides be shared?", "Is lunch included?", "Not approved")]
    for question, action in ((asked[0], "approve"), (asked[1], "approve"), (asked[1], "pin")):
        await moderator.call("qa.moderate", {"question": question["id"], "action": action})
    await moderator.call("screen.show", {"session": "opening", "show": "questions"})
    shown = screen.locator("#screen-questions .q-text")
    await expect(shown).to_have_text(["Is lunch included?", "Will slides be shared?"])
    await expect(screen.locator("#screen-questions .pinned .badge-pin")).to_have_text("Pinned")
    await shot(screen, "screen-questions-laptop")
    await moderator.call("screen.show", {"session": "opening", "show": "blank"})
    await expect(screen.locator("#screen")).to_have_attribute("data-show", "blank")
    for client in (moderator, *voters):
        await client.close()


async def test_a_moderator_opens_and_switches_the_room_screen(people: People) -> None:
    moderator = await people.join("moderator", "Mo")
    await moderator.locator("#session-live").wait_for()
    await moderator.get_by_role("button", name="Questions", exact=True).click()
    await expect(moderator.get_by_role("button", name="Questions", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    href = await moderator.locator("#open-screen").get_attribute("href")
    screen = await moderator.context.new_page()
    await screen.goto(f"{people.event.server.http}/{href}")
    await expect(screen.locator("#screen")).to_have_attribute("data-show", "questions")
    await expect(screen.locator("#screen-stage")).to_contain_text("No questions yet")
    await moderator.get_by_role("button", name="Join code").click()
    await expect(screen.locator("#screen-code")).to_have_text(CODES["attendee"])
    await shot(moderator, "screen-controls-moderator")
    await screen.set_viewport_size(PHONE)
    await shot(screen, "screen-join-code-phone")

