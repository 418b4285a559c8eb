"""Errors and the keyboard: refusals read as plain sentences; the keyboard alone suffices."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import People, shot

pytestmark = pytest.mark.browser


async def test_keyboard_only_and_human_error_messages(people: People) -> None:
    ana = await people.join("attendee", "Ana", session="open-floor")

    # Ask and upvote with the keyboard only (the open floor is not moderated).
    await ana.locator("#ask-text").focus()
    await ana.keyboard.type("Is the keynote recorded?")
    await ana.keyboard.press("Tab")  # the anonymous box
    await ana.keyboard.press("Space")
    await expect(ana.locator("#ask-anonymous")).to_be_checked()
    await ana.keyboard.press("Tab")  # the send button
    await ana.keyboard.press("Enter")
    question = ana.locator("#questions .question")
    await expect(question.locator(".q-meta")).to_contain_text("Anonymous")
    await question.locator("button.vote").focus()
    await ana.keyboard.press("Enter")
    await expect(question.locator("button.vote")).to_have_attribute("aria-pressed", "true")
    # The re-rendered list keeps the focus on the same control.
    await expect(question.locator("button.vote")).to_be_focused()

    # The rate limit (5 questions a minute) answers in words, and the text is kept.
    for n in range(2, 7):
        await ana.locator("#ask-text").fill(f"Question number {n}")
        await ana.get_by_role("button", name="Send question").click()
        if n < 6:
            await expect(ana.locator("#questions .question")).to_have_count(n)
    await expect(ana.locator("#toasts .toast")).to_contain_text(
        "Slow down a little: try again in a moment.")
    await expect(ana.locator("#ask-text")).to_have_value("Question number 6")
    await expect(ana.locator("#questions .question")).to_have_count(5)
    await shot(ana, "errors-rate-limited")
