"""Surveys in the browser: a moderator builds one; an attendee on a phone takes it one
question per screen with progress, saves, comes back after a reload, and submits once; the
results show per question; a French attendee sees it in French."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import LAPTOP, PHONE, People, shot

pytestmark = pytest.mark.browser


async def test_build_take_save_resume_and_submit_a_survey(people: People) -> None:
    mod = await people.join("moderator", "Mona", viewport=LAPTOP)
    builder = mod.locator("#survey-builder-panel")
    await builder.locator("summary").click()
    await builder.get_by_label("Survey title").fill("Morning check-in")
    await builder.get_by_label("Who sees results").select_option("live")
    await mod.locator("#svq-0-title").fill("How rested do you feel?")
    await mod.locator("#svq-0-kind").select_option("scale")
    await mod.locator("#svq-0-labels").fill("not at all\n\n\n\ncompletely")
    await builder.get_by_role("button", name="Add a question").click()
    await mod.locator("#svq-1-title").fill("Which module helped most?")
    await mod.locator("#svq-1-options").fill("Resilience\nStress management")
    await builder.get_by_role("button", name="Add a question").click()
    await mod.locator("#svq-2-title").fill("Anything else?")
    await mod.locator("#svq-2-kind").select_option("text")
    await mod.locator("#svq-2-required").uncheck()
    await shot(mod, "survey-builder-laptop")
    await builder.get_by_role("button", name="Create survey").click()
    card = mod.locator("#moderator-surveys .survey", has_text="Morning check-in")
    await expect(card.locator(".badge")).to_have_text("draft")
    await card.get_by_role("button", name="Open").click()
    await expect(card.locator(".badge")).to_have_text("open")

    ana = await people.join("attendee", "Ana", viewport=PHONE, mode="in_room")
    panel = ana.locator("#survey-panel")
    await expect(panel.locator(".sv-privacy")).to_contain_text("Anonymous")
    await panel.get_by_role("button", name="Start the survey").click()
    await expect(panel.locator(".sv-progress")).to_have_text("Question 1 of 3")
    await expect(panel.locator("legend.sv-question")).to_have_text("How rested do you feel?")
    await expect(panel.locator(".scale-label").first).to_have_text("not at all")
    # Required: Next without an answer says so and stays.
    await panel.get_by_role("button", name="Next").click()
    await expect(panel.locator(".form-error")).to_have_text("Please answer this question first.")
    await panel.get_by_label("4 out of 5").check()
    await shot(ana, "survey-question-phone")
    await panel.get_by_role("button", name="Next").click()
    await expect(panel.locator(".sv-progress")).to_have_text("Question 2 of 3")
    await panel.get_by_label("Stress management").check()
    await panel.get_by_role("button", name="Save and finish later").click()
    await expect(panel.get_by_role("button", name="Continue where you left off")).to_be_visible()

    await ana.reload()
    panel = ana.locator("#survey-panel")
    await panel.get_by_role("button", name="Continue where you left off").click()
    await expect(panel.locator(".sv-progress")).to_have_text("Question 3 of 3")
    await panel.get_by_role("button", name="Previous").click()
    await expect(panel.get_by_label("Stress management")).to_be_checked()
    await panel.get_by_role("button", name="Next").click()
    await panel.get_by_label("Anything else?").fill("More walks, fewer slides!")
    await shot(ana, "survey-last-question-phone")
    await panel.get_by_role("button", name="Submit").click()
    await expect(panel.locator(".notice")).to_have_text("Thank you! Your answers are in.")
    await expect(panel.locator(".survey-results")).to_contain_text("1 respondent")
    await expect(panel.locator(".answer-list")).to_contain_text("More walks, fewer slides!")
    await shot(ana, "survey-submitted-phone")

    await expect(card.locator(".survey-results")).to_contain_text("1 respondent")
    await expect(card.locator("[data-question=q1] .bar-row").nth(3)).to_contain_text("1 (100%)")
    await shot(mod, "survey-results-laptop")
    await mod.get_by_role("button", name="Show attendance").click()
    sessions = mod.locator("#engagement-sessions")
    await expect(sessions.locator("tbody tr").first).to_contain_text("Opening")
    await expect(sessions.locator("tbody tr").first.locator("td").nth(1)).to_have_text("2")
    async with mod.expect_download() as download:
        await mod.get_by_role("button", name="Export the event (XLSX)").click()
    assert (await download.value).suggested_filename == "plenary-export.xlsx"

    eloise = await people.join("attendee", "Éloïse", viewport=PHONE, locale="fr-FR")
    fr_panel = eloise.locator("#survey-panel")
    await expect(fr_panel.locator("h2")).to_have_text("Questionnaires")
    await fr_panel.get_by_role("button", name="Commencer le questionnaire").click()
    await expect(fr_panel.locator(".sv-progress")).to_have_text("Question 1 sur 3")
    await shot(eloise, "survey-french-phone")


async def test_poll_thresholds_and_controls_in_the_browser(people: People) -> None:
    mod = await people.join("moderator", "Mona", viewport=LAPTOP)
    await mod.locator("#pb-title").fill("Rank the breaks")
    await mod.locator("#pb-kind").select_option("ranking")
    await mod.locator("#pb-options").fill("Coffee\nWalk\nNap")
    await mod.locator("#pb-min").fill("3")
    await mod.get_by_role("button", name="Create poll").click()
    card = mod.locator("#moderator-polls .poll", has_text="Rank the breaks")
    await card.get_by_role("button", name="Open").click()
    ana = await people.join("attendee", "Ana", viewport=PHONE)
    poll = ana.locator("#polls .poll", has_text="Rank the breaks")
    await poll.get_by_role("button", name="Move Nap up").click()
    await poll.get_by_role("button", name="Move Nap up").click()
    await expect(poll.locator(".ranking-item").first).to_contain_text("Nap")
    await shot(ana, "poll-ranking-phone")
    await poll.get_by_role("button", name="Vote").click()
    await expect(poll.locator(".voted")).to_be_visible()
    # One answer, threshold 3: the moderator's view says "fewer than 3", never "1 answer".
    await expect(card.locator(".results")).to_contain_text("Fewer than 3 answers")
    await card.get_by_role("button", name="Close").click()
    await card.get_by_role("button", name="Reopen").click()
    await expect(card.locator(".badge")).to_have_text("open")
    await card.get_by_role("button", name="Hide results").click()
    await expect(card.get_by_role("button", name="Show results")).to_be_visible()
    await shot(mod, "poll-controls-laptop")
