"""Languages in the browser: French from the browser's language, switchable, remembered."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from conftest import PHONE, People, shot
from harness import CODES

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
