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


async def test_every_text_and_error_code_in_every_language(browser: Browser,
                                                            server: Server) -> None:
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{server.http}/#/join")
    found = await page.evaluate("""async (codes) => {
      const { DICTIONARIES } = await import('/js/i18n.js');
      const keys = (lang) => Object.keys(DICTIONARIES[lang]).sort();
      const missing = (lang) => codes.filter((c) => !DICTIONARIES[lang]['error.' + c]);
      const same = (lang) => Object.keys(DICTIONARIES.en).filter((k) => k !== 'app.title'
        && !k.startsWith('br.seats') && DICTIONARIES.en[k] === DICTIONARIES[lang][k]);
      const out = { en: keys('en'), missingEn: missing('en'),
                    languages: Object.keys(DICTIONARIES) };
      for (const lang of out.languages) {
        out[lang] = keys(lang);
        out['missing_' + lang] = missing(lang);
        out['same_' + lang] = same(lang);
      }
      return out;
    }""", ERROR_CODES)
    assert found["languages"] == ["en", "fr", "es"]
    assert found["missingEn"] == []
    for lang in ("fr", "es"):
        assert found[lang] == found["en"], lang
        assert found[f"missing_{lang}"] == [], lang
    # Words that are the same in French ("Questions", "Question", "Message", …) only.
    assert set(found["same_fr"]) <= {"qa.title", "mod.session", "pollb.question",
                                     "br.say", "qa.votes", "qa.votes_one", "poll.title"}, found
    assert found["same_es"] == [], found


async def test_plurals_numbers_and_dates_follow_the_language(browser: Browser,
                                                             server: Server) -> None:
    """Intl.PluralRules picks the form: French says "0 réponse", English "0 answers"."""
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{server.http}/#/join")
    found = await page.evaluate("""async () => {
      const i18n = await import('/js/i18n.js');
      const out = {};
      for (const lang of ['en', 'fr', 'es']) {
        i18n.setLang(lang);
        out[lang] = [0, 1, 2, 1234].map((n) => i18n.plural('poll.votes', n));
        out[lang + '_mean'] = i18n.t('poll.mean', { mean: 3.5, scale: 5 });
        out[lang + '_date'] = i18n.formatDate(Date.UTC(2026, 0, 15, 12), { month: 'long',
                                                                          timeZone: 'UTC' });
      }
      return out;
    }""")
    assert found["en"] == ["0 answers", "1 answer", "2 answers", "1,234 answers"]
    assert found["fr"] == ["0 réponse", "1 réponse", "2 réponses", "1\u202f234 réponses"]
    assert found["es"] == ["0 respuestas", "1 respuesta", "2 respuestas", "1234 respuestas"]
    assert found["en_mean"] == "Average 3.5 out of 5"
    assert found["fr_mean"] == "Moyenne 3,5 sur 5"
    assert (found["en_date"], found["fr_date"], found["es_date"]) == ("January", "janvier",
                                                                      "enero")
