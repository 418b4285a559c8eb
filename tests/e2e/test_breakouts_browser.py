"""Breakouts in the browser: people are moved into a room, talk, report back, and return."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot

pytestmark = pytest.mark.browser


async def test_breakout_moves_attendees_into_rooms_and_back(people: People) -> None:
    mod = await people.join("moderator", "Maria")
    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE)
    ben = await people.join("attendee", "Ben")
    await expect(mod.locator("#presence")).to_contain_text("3 here")

    await mod.locator("#brc-rooms").fill("Wellbeing circle")
    await mod.locator("#brc-duration").fill("10")
    await mod.get_by_role("button", name="Create rooms").click()
    await mod.get_by_role("button", name="Open rooms").click()
    card = mod.locator(".room-card", has_text="Wellbeing circle")
    await expect(card.locator(".person")).to_have_count(2)

    # Both attendees follow the move into the room; screen readers hear of it.
    for page in (ana, ben):
        await expect(page.locator("#room-h")).to_have_text("Room: Wellbeing circle")
        await expect(page.locator("#announcer")).to_have_text(
            "You moved to the breakout room Wellbeing circle.")
        await expect(page.locator("#room-panel .timer")).to_contain_text("Ends in")

    # They talk; the moderator's broadcast reaches the room; Ana reports back.
    await ana.locator("#room-say").fill("Hello <i>all</i>")
    await ana.get_by_role("button", name="Send", exact=True).click()
    await expect(ben.locator("#room-messages .message")).to_have_text("Ana: Hello <i>all</i>")
    await mod.locator("#br-broadcast").fill("Five minutes left")
    await mod.get_by_role("button", name="Send to all").click()
    await expect(ana.locator("#room-messages .broadcast")).to_have_text(
        "From the moderators: Five minutes left")
    await ben.locator("#room-report").fill("We need quiet rooms.")
    await ben.get_by_role("button", name="Save report").click()
    await expect(ben.locator("#room-panel .report .notice")).to_have_text("Report saved.")
    await expect(card.locator(".report-text")).to_have_text("We need quiet rooms.")
    await shot(ana, "breakout-room-phone")
    await shot(mod, "breakout-moderator")

    # The moderator closes the rooms: everyone is back in the main session.
    await mod.get_by_role("button", name="Close rooms").click()
    for page in (ana, ben):
        await expect(page.locator("#room-panel")).to_be_hidden()
        await expect(page.locator("#announcer")).to_have_text(
            "The breakout is over: you are back in the main session.")
        await expect(page.locator("#qa-panel")).to_be_visible()
    await expect(mod.locator("#breakout-panel .reports")).to_contain_text(
        "Wellbeing circle: We need quiet rooms.")
    await shot(ben, "breakout-back")


async def test_self_select_rooms_visit_extend_and_leave(people: People) -> None:
    mod = await people.join("moderator", "Maria")
    ana = await people.join("attendee", "Ana")
    ben = await people.join("attendee", "Ben", viewport=PHONE)

    await mod.locator("#brc-rooms").fill("Policy, Practice")
    await mod.locator("#brc-assign").select_option("self")
    await mod.locator("#brc-capacity").fill("1")
    await mod.locator("#brc-duration").fill("5")
    await mod.get_by_role("button", name="Create rooms").click()
    await mod.get_by_role("button", name="Open rooms").click()

    # Each attendee picks a room; a full room cannot be picked.
    await ana.get_by_role("button", name="Join Policy").click()
    await expect(ana.locator("#room-h")).to_have_text("Room: Policy")
    policy = ben.locator("#breakout-chooser li", has_text="Policy")
    await expect(policy.get_by_role("button")).to_have_text("full")
    await expect(policy.get_by_role("button")).to_be_disabled()
    await ben.get_by_role("button", name="Join Practice").click()
    await expect(ben.locator("#room-h")).to_have_text("Room: Practice")
    await expect(ben.locator("#breakout-chooser")).to_be_hidden()

    # The moderator visits Ana's room and joins the chat; extends the rooms by 5 minutes.
    await mod.locator(".room-card", has_text="Policy").get_by_role("button", name="Visit").click()
    await expect(mod.locator("#room-h")).to_have_text("Visiting Policy")
    await expect(mod.locator("#room-members")).to_have_text("In this room: Ana")
    await ana.locator("#room-say").fill("Anyone from HR policy?")
    await ana.get_by_role("button", name="Send", exact=True).click()
    await expect(mod.locator("#room-messages .message")).to_have_text(
        "Ana: Anyone from HR policy?")
    await mod.locator("#room-say").fill("Hello from the moderators' desk")
    await mod.get_by_role("button", name="Send", exact=True).click()
    await expect(ana.locator("#room-messages .message").nth(1)).to_have_text(
        "Maria: Hello from the moderators' desk")
    await mod.get_by_role("button", name="Add 5 minutes").click()
    await expect(ana.locator("#room-panel .timer")).to_contain_text("Ends in 9:")
    await shot(mod, "breakout-self-select-moderator")

    # Ana leaves her room: she is back in the main session and may choose again.
    await ana.get_by_role("button", name="Leave room").click()
    await expect(ana.locator("#room-panel")).to_be_hidden()
    await expect(ana.locator("#breakout-chooser")).to_be_visible()
    await shot(ben, "breakout-self-select-phone")


async def test_manual_rooms_place_people_by_drag_or_list_and_survive_reloads(
        people: People) -> None:
    mod = await people.join("moderator", "Maria")
    ana = await people.join("attendee", "Ana", mode="in_room")
    ben = await people.join("attendee", "Ben", viewport=PHONE)
    await expect(mod.locator("#presence")).to_contain_text("3 here")

    # The moderator sees who is waiting for a room, drags Ana onto one, lists Ben into the other.
    await mod.locator("#brc-rooms").fill("North, South")
    await mod.locator("#brc-assign").select_option("manual")
    await mod.get_by_role("button", name="Create rooms").click()
    waiting = mod.locator("#breakout-panel .unassigned .person > span")
    await expect(waiting).to_have_text(["Ana", "Ben"])
    # (room names are also options of every "Move to" list: find a card by its heading)
    north = mod.locator(".room-card").filter(has=mod.locator("h4", has_text="North"))
    south = mod.locator(".room-card").filter(has=mod.locator("h4", has_text="South"))
    await mod.locator(".unassigned .person", has_text="Ana").drag_to(north)
    await expect(north.locator(".person > span")).to_have_text(["Ana"])
    await expect(waiting).to_have_text(["Ben"])
    await mod.get_by_label("Move to (Ben)").select_option(label="South")
    await expect(south.locator(".person > span")).to_have_text(["Ben"])
    await expect(mod.locator("#breakout-panel .unassigned")).to_have_count(0)
    await mod.get_by_role("button", name="Open rooms").click()
    await expect(ana.locator("#room-h")).to_have_text("Room: North")
    await expect(ben.locator("#room-h")).to_have_text("Room: South")

    # A latecomer shows up in the list while the rooms are open and is dragged into one.
    cleo = await people.join("attendee", "Cleo")
    await expect(waiting).to_have_text(["Cleo"])
    await north.scroll_into_view_if_needed()  # both ends of the drag on screen, as a user has them
    await mod.locator(".unassigned .person", has_text="Cleo").drag_to(north)
    await expect(cleo.locator("#room-h")).to_have_text("Room: North")
    await expect(north.locator(".person > span")).to_have_count(2)
    await expect(north.locator(".person", has_text="Cleo")).to_have_count(1)

    # Entering or reloading a room shows what was said before.
    await ana.locator("#room-say").fill("Hello north")
    await ana.get_by_role("button", name="Send", exact=True).click()
    await expect(cleo.locator("#room-messages .message")).to_have_text(["Ana: Hello north"])
    await ana.reload()
    await expect(ana.locator("#room-h")).to_have_text("Room: North")
    await expect(ana.locator("#room-messages .message")).to_have_text(["Ana: Hello north"])

    # A reloaded moderator sees the reports so far; the member keeps editing theirs.
    await cleo.locator("#room-report").fill("North wants windows.")
    await cleo.get_by_role("button", name="Save report").click()
    await expect(north.locator(".report-text")).to_have_text("North wants windows.")
    await mod.reload()
    await expect(north.locator(".report-text")).to_have_text("North wants windows.")
    await expect(north.locator(".person > span")).to_have_count(2)
    await cleo.reload()
    await expect(cleo.locator("#room-report")).to_have_value("North wants windows.")
    await shot(mod, "breakout-manual-moderator")
