"""Q&A in the browser: ask, upvote, moderate, and everyone sees the result."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot

pytestmark = pytest.mark.browser


async def test_attendee_asks_and_upvotes_moderator_approves(people: People) -> None:
    alice = await people.join("attendee", "Alice", mode="in_room", viewport=PHONE)
    bob = await people.join("attendee", "Bob")
    mod = await people.join("moderator", "Maria")

    # Alice asks, from her phone in the room; markup in the text stays text.
    await alice.locator("#ask-text").fill("How do we keep <b>staff</b> resilient?")
    await alice.get_by_role("button", name="Send question").click()
    mine = alice.locator("#questions .question")
    await expect(mine).to_have_count(1)
    await expect(mine.locator(".q-text")).to_have_text("How do we keep <b>staff</b> resilient?")
    await expect(mine.locator(".badge-pending")).to_have_text("Awaiting moderation")
    await expect(alice.locator("#questions b")).to_have_count(0)

    # Bob sees nothing yet; the moderator sees it waiting, from the room.
    await expect(bob.locator("#questions .empty")).to_be_visible()
    pending = mod.locator("#queue-pending .question")
    await expect(pending).to_have_count(1)
    await expect(pending.locator(".q-meta")).to_contain_text("Alice · in the room")
    await mod.locator("#qa-filter").select_option("remote")
    await expect(pending).to_have_count(0)
    await mod.locator("#qa-filter").select_option("all")
    await pending.get_by_role("button", name="Approve").click()
    await expect(mod.locator("#queue-visible .question")).to_have_count(1)

    # Now everyone sees it; Bob upvotes and Alice sees the count go up.
    await expect(mine.locator(".badge-pending")).to_have_count(0)
    seen = bob.locator("#questions .question")
    await expect(seen.locator(".q-text")).to_have_text("How do we keep <b>staff</b> resilient?")
    await seen.locator("button.vote").click()
    await expect(seen.locator("button.vote")).to_have_attribute("aria-pressed", "true")
    await expect(mine.locator(".vote-count")).to_have_text("1")
    await expect(mod.locator("#queue-visible .vote-count")).to_have_text("1 vote")

    # Pinned and answered by the moderator, as attendees see it.
    await mod.locator("#queue-visible").get_by_role("button", name="Pin").click()
    await expect(mine.locator(".badge-pin")).to_have_text("Pinned")
    # The presenter view shows it big, with its votes.
    await mod.get_by_role("link", name="Presenter").click()
    spoken = mod.locator("#speaker-questions .question")
    await expect(spoken.locator(".q-text")).to_have_text("How do we keep <b>staff</b> resilient?")
    await expect(spoken.locator(".vote-count")).to_have_text("1 vote")
    await shot(mod, "qa-presenter")
    await mod.get_by_role("link", name="Moderate").click()
    await expect(mod.locator("#queue-visible .question")).to_have_count(1)

    # Nothing on the phone is wider than its 375 px screen.
    assert await alice.evaluate("document.documentElement.scrollWidth") <= 375
    await shot(alice, "qa-attendee-phone")
    await shot(mod, "qa-moderator")
    await shot(bob, "qa-attendee-laptop")
