"""Errors and the keyboard: refusals read as plain sentences; the keyboard alone suffices."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot

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

    # The rate limit (5 questions a minute, counted in fixed minutes: a run that straddles
    # one gets 5 more) answers in words, and the text is kept.
    asked = 1
    send = ana.get_by_role("button", name="Send question")
    for n in range(2, 13):
        await expect(send).to_be_enabled()  # the previous question's reply is in
        await ana.locator("#ask-text").fill(f"Question number {n}")
        await ana.get_by_role("button", name="Send question").click()
        refused = await ana.wait_for_function(
            """(n) => document.getElementById('alerts').textContent.includes('Slow down')
                      ? 'refused' : document.querySelectorAll('#questions .question').length === n
                      ? 'asked' : null""", arg=asked + 1)
        if await refused.json_value() == "refused":
            break
        asked += 1
    # It says how long to wait (the next minute's window), as a countdown.
    toast = ana.locator("#toasts .toast")
    await expect(toast).to_have_text(re.compile(r"Slow down a little: try again in \d+ seconds?\."))
    await expect(ana.locator("#ask-text")).to_have_value(f"Question number {n}")
    await expect(ana.locator("#questions .question")).to_have_count(asked)
    assert asked in (5, 10), asked
    await shot(ana, "errors-rate-limited")

    # Three more refused questions: still one toast, not a stack of identical ones.
    for _ in range(3):
        await ana.get_by_role("button", name="Send question").click()
        await expect(ana.locator("#alerts")).to_contain_text("Slow down")
    await expect(toast).to_have_count(1)
    # It can be dismissed, and the focus does not get lost on the way.
    await toast.get_by_role("button", name="Dismiss this message").click()
    await expect(toast).to_have_count(0)


async def test_refusals_speak_the_ui_language_and_name_what_to_fix(people: People) -> None:
    """A poll with one option, in French: a French sentence about the options, no raw path."""
    mod = await people.join("moderator", "Mona", locale="fr-FR", viewport=PHONE)
    await mod.locator("#pb-title").fill("Café ou thé ?")
    await mod.locator("#pb-options").fill("Café")
    await mod.get_by_role("button", name="Créer le sondage").click()
    toast = mod.locator("#toasts .toast")
    await expect(toast).to_have_text(
        "Un sondage demande de 2 à 50 options différentes, une par ligne, de 200 caractères "
        "au plus.×")
    await expect(toast).not_to_contain_text("data.")
    await shot(mod, "errors-french-field-phone")
    # The same mistake twice is still one message.
    await mod.get_by_role("button", name="Créer le sondage").click()
    await expect(mod.locator("#alerts")).to_contain_text("options différentes")
    await expect(toast).to_have_count(1)


FIELDS = ["text", "answer", "title", "options", "max_choices", "scale", "duration_s",
          "min_responses", "choices", "rating", "rooms", "capacity", "minutes", "name"]


async def test_every_field_a_person_can_get_wrong_has_a_sentence(people: People) -> None:
    page = await people.page()
    await page.goto(f"{people.event.server.http}/#/join")
    found = await page.evaluate("""async (fields) => {
      const i18n = await import('/js/i18n.js');
      const out = {};
      for (const lang of Object.keys(i18n.DICTIONARIES)) {
        i18n.setLang(lang);
        out[lang] = fields.map((field) => i18n.errorText({ code: 'bad_request', field,
                                                           message: 'data.' + field + ': x' }));
        out[lang].push(i18n.errorText({ code: 'bad_request', field: 'rooms[3]' }));
        out[lang].push(i18n.errorText({ code: 'rate_limited', retry_after: 1 }));
      }
      i18n.setLang('en');
      out.generic = i18n.errorText({ code: 'bad_request', field: 'nothing_known' });
      return out;
    }""", FIELDS)
    for lang in ("en", "fr", "es"):
        sentences = found[lang]
        assert len(set(sentences[:len(FIELDS)])) == len(FIELDS), (lang, sentences)
        assert not any("data." in s or ": x" in s for s in sentences), (lang, sentences)
        assert sentences[-2] == sentences[FIELDS.index("rooms")]
    assert found["en"][-1] == "Slow down a little: try again in 1 second."
    assert found["fr"][-1] == "Doucement : réessayez dans 1 seconde."
    assert found["generic"] == "That was not accepted: check what you entered and try again."
