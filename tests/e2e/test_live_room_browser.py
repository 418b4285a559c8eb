"""The live room through the real client: reacting (the counts float over everyone's stage),
raising a hand (the moderator's queue, a hand lowered by a moderator is announced), the
session chat (a message deleted for everyone), in English on a laptop and French on a phone.
Being brought on stage with a fake camera is test_stage_grant_browser.py (it needs a
private network namespace)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from conftest import LAPTOP, PHONE, People, shot

pytestmark = pytest.mark.browser

ANNOUNCED = "() => document.getElementById('announcer').textContent"


async def test_reacting_raising_a_hand_and_the_chat(people: People) -> None:
    moderator = await people.join("moderator", "Mia", viewport=LAPTOP)
    ana = await people.join("attendee", "Ana", viewport=PHONE, mode="in_room")
    bo = await people.join("attendee", "Bo", viewport=LAPTOP)
    # Reactions: Ana applauds (mouse, then keyboard); Bo sees the count over his stage.
    applause = ana.get_by_role("button", name="Applause")
    await applause.click()
    await applause.press("Enter")
    await expect(bo.locator("#reaction-counts")).to_contain_text(re.compile(r"Applause [12]"))
    # Raising a hand: the moderator's queue shows it, marked as in the room.
    await ana.get_by_role("button", name="Raise hand").click()
    lower = ana.get_by_role("button", name="Lower hand")
    await expect(lower).to_have_attribute("aria-pressed", "true")
    queue = moderator.locator("#hands-queue")
    await expect(queue.locator("li.hand")).to_have_count(1)
    await expect(queue).to_contain_text("Ana")
    await expect(queue).to_contain_text("in the room")
    await shot(ana, "live-attendee-hand-raised-phone")
    await shot(moderator, "live-moderator-queue-laptop")
    # The moderator lowers it: Ana's screen reader hears why.
    await queue.get_by_role("button", name="Lower").click()
    await expect(ana.get_by_role("button", name="Raise hand")).to_be_visible()
    await ana.wait_for_function(f"({ANNOUNCED})().includes('A moderator lowered your hand')")
    # The chat: Bo writes, everyone reads; the moderator deletes it for everyone.
    await bo.locator("#chat-text").fill("Hello from Bo <b>!</b>")
    await bo.locator("#chat-text").press("Enter")
    await expect(ana.locator("#chat-log")).to_contain_text("Hello from Bo <b>!</b>")
    await shot(bo, "live-attendee-chat-laptop")
    await moderator.get_by_role("button", name="Delete this message by Bo").click()
    await expect(ana.locator("#chat-log")).not_to_contain_text("Hello from Bo")
    await expect(bo.locator("#chat-log")).not_to_contain_text("Hello from Bo")


async def test_the_live_room_in_french_on_a_phone(people: People) -> None:
    zoe = await people.join("attendee", "Zoé", viewport=PHONE, locale="fr-FR")
    await expect(zoe.get_by_role("button", name="Lever la main")).to_be_visible()
    await expect(zoe.get_by_role("button", name="Applaudir")).to_be_visible()
    await expect(zoe.locator("#chat-h")).to_have_text("Discussion")
    await zoe.get_by_role("button", name="Lever la main").click()
    await expect(zoe.locator("#hand-status")).to_have_text("Main levée : attendez un modérateur.")
    await shot(zoe, "live-attendee-french-phone")
