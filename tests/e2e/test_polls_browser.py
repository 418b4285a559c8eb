"""Polls in the browser: a moderator builds and opens a poll, attendees vote, results show."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot

pytestmark = pytest.mark.browser


async def test_moderator_runs_poll_attendees_vote_results_appear(people: People) -> None:
    mod = await people.join("moderator", "Maria")
    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE)
    ben = await people.join("attendee", "Ben")

    await mod.locator("#pb-title").fill("Which topic next?")
    await mod.locator("#pb-options").fill("Wellbeing\nHybrid work\nPay")
    await mod.get_by_role("button", name="Create poll").click()
    card = mod.locator("#moderator-polls .poll")
    await expect(card.locator(".badge")).to_have_text("draft")
    await expect(ana.locator("#polls .poll")).to_have_count(0)  # drafts are the moderators'
    await card.get_by_role("button", name="Open").click()
    await expect(card.locator(".badge")).to_have_text("open")

    # The new poll is announced to screen readers, and both attendees vote.
    await expect(ana.locator("#announcer")).to_have_text("New poll: Which topic next?")
    await ana.get_by_label("Hybrid work").check()
    await ana.get_by_role("button", name="Vote").click()
    await expect(ana.locator("#polls .voted")).to_have_text("Thanks, your answer is counted.")
    await ben.get_by_label("Hybrid work").check()
    await ben.get_by_role("button", name="Vote").click()

    # Live results: everyone sees the bars; the moderator also sees room vs online.
    row = ana.locator("#polls .results > .bars .bar-row").nth(1)
    await expect(row.locator(".bar-value")).to_have_text("2 (100%)")
    await expect(mod.locator("#moderator-polls .split-in_room h4")).to_have_text(
        "In the room · 1 answer")
    await expect(mod.locator("#moderator-polls .split-remote h4")).to_have_text(
        "Online · 1 answer")
    await shot(ana, "poll-attendee-phone")

    await card.get_by_role("button", name="Close").click()
    await expect(ben.locator("#polls .poll-closed .bar-row").nth(1)).to_contain_text("2 (100%)")

    # A word cloud, closed by the moderator: the final words show to attendees.
    await mod.locator("#pb-title").fill("One word for this year?")
    await mod.locator("#pb-kind").select_option("wordcloud")
    await mod.get_by_role("button", name="Create poll").click()
    cloud_card = mod.locator("#moderator-polls .poll", has_text="One word for this year?")
    await cloud_card.get_by_role("button", name="Open").click()
    for page, word in ((ana, "resilience"), (ben, "Resilience")):
        await page.get_by_label("A word or a few").fill(word)
        await page.get_by_role("button", name="Vote").click()
        await expect(page.locator("#polls .poll-open .voted")).to_have_count(1)
    await cloud_card.get_by_role("button", name="Close").click()
    await expect(ben.locator("#polls .wordcloud li").first).to_contain_text("resilience")
    await expect(ben.locator("#polls .poll-closed h3")).to_have_text("One word for this year?")
    await shot(ben, "poll-wordcloud-attendee")
    await shot(mod, "poll-moderator")
