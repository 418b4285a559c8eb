"""Languages in the browser: French from the browser's language, switchable, remembered."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from conftest import PHONE, TIMEOUT_MS, People, shot
from harness import CODES, Server

pytestmark = pytest.mark.browser


async def test_french_ui_follows_browser_and_switches(people: People) -> None:
    event = people.event
    page = await people.page(locale="fr-FR", viewport=PHONE)

    # A wrong code gets a clear French message, and nothing else happens.
    await page.goto(f"{event.server.http}/#/join?event={event.id}&code=wrong-code")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rejoindre Test conference")
    await page.get_by_label("Votre nom").fill("Éloïse")
    await page.get_by_role("radio", name="Dans la salle").check()
    await page.get_by_role("button", name="Rejoindre").click()
    await expect(page.locator("#join-error")).to_have_text(
        "Ce code d'accès n'est pas valable pour cet événement : vérifiez le lien ou le code.")
    await shot(page, "i18n-join-refused-phone")
    await page.get_by_label("Code d'accès").fill(CODES["attendee"])
    await page.get_by_role("button", name="Rejoindre").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Test conference")
    await expect(page.get_by_role("link", name="Opening")).to_be_visible()
    await shot(page, "i18n-agenda-phone")
    await page.get_by_role("link", name="Opening").click()
    await expect(page.locator("#conn-status")).to_have_text("Connecté")
    await expect(page.locator("#qa-h")).to_have_text("Questions")
    await page.get_by_label("Votre question").fill("Quand aura lieu la pause ?")
    await page.get_by_role("button", name="Envoyer la question").click()
    await expect(page.locator("#questions .badge-pending")).to_have_text(
        "En attente de modération")
    await expect(page.locator("#poll-panel")).to_contain_text(
        "Aucun sondage n'est ouvert pour l'instant.")
    await expect(page.locator("#presence")).to_contain_text("dans la salle : 1")
    await shot(page, "i18n-french-phone")

    # Switched to English, the session view relabels in place and the choice is remembered.
    await page.locator("#lang-select").select_option("en")
    await expect(page.locator("#questions .badge-pending")).to_have_text("Awaiting moderation")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.reload()
    await expect(page.get_by_role("button", name="Send question")).to_be_visible()
    await expect(page.locator("#questions .q-text")).to_have_text("Quand aura lieu la pause ?")


ERROR_CODES = ["bad_request", "unauthorized", "forbidden", "not_found", "conflict",
               "poll_closed", "already_voted", "rate_limited", "too_large", "unavailable",
               "internal"]


async def test_every_text_and_error_code_in_both_languages(browser: Browser,
                                                           server: Server) -> None:
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{server.http}/#/join")
    found = await page.evaluate("""async (codes) => {
      const { DICTIONARIES } = await import('/js/i18n.js');
      const keys = (lang) => Object.keys(DICTIONARIES[lang]).sort();
      const missing = (lang) => codes.filter((c) => !DICTIONARIES[lang]['error.' + c]);
      const same = Object.keys(DICTIONARIES.en).filter((k) => k !== 'app.title'
        && !k.startsWith('br.seats') && DICTIONARIES.en[k] === DICTIONARIES.fr[k]);
      return { en: keys('en'), fr: keys('fr'), missingEn: missing('en'),
               missingFr: missing('fr'), untranslated: same };
    }""", ERROR_CODES)
    assert found["en"] == found["fr"]
    assert found["missingEn"] == [] and found["missingFr"] == []
    # Words that are the same in French ("Questions", "Question", "Message", …) only.
    assert set(found["untranslated"]) <= {"qa.title", "mod.session", "pollb.question",
                                          "br.say", "qa.votes", "qa.votes_one", "poll.title"}, found
