"""Sign-in with the organisation's account, against a real OpenID Connect provider
(`oidc-provider` from npm, run by node; installed from tests/oidc/ on first use): a
moderator and an organiser go through its login and consent pages and come back signed in,
with the roles the ID token's claims map to."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from conftest import People, shot
from harness import ADMIN_KEY, Server, create_event, free_port, http

pytestmark = pytest.mark.browser

OIDC = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "plenary-test", "plenary-test-secret-" + "s" * 20


def install_provider() -> None:
    """`npm ci` from the committed lock file, once per machine."""
    if (OIDC / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed for the OIDC tests (Debian: apt-get install npm)"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """Overrides the e2e `server`: Plenary trusting a provider started here first."""
    install_provider()
    plenary = Server(port=free_port())
    port = free_port()
    node = shutil.which("node")
    assert node, "node is needed for the OIDC tests"
    provider = subprocess.Popen(
        [node, "provider.mjs"], cwd=OIDC, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PORT": str(port), "CLIENT_ID": CLIENT_ID,
             "CLIENT_SECRET": CLIENT_SECRET,
             "REDIRECT_URI": f"{plenary.http}/auth/callback"})
    try:
        assert provider.stdout is not None
        for line in provider.stdout:  # its own word that it listens: no polling
            if line.startswith(b"ready "):
                break
        else:
            raise RuntimeError("the OIDC provider did not start")
        plenary.extra_env = {
            "PLENARY_OIDC_ISSUER": f"http://127.0.0.1:{port}",
            "PLENARY_OIDC_CLIENT_ID": CLIENT_ID, "PLENARY_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "PLENARY_JWT_ROLE_CLAIM": "groups", "PLENARY_JWT_ROLES": "plenary-mods=moderator",
            "PLENARY_JWT_ORGANISERS": "plenary-admins"}
        plenary.start()
        yield plenary
    finally:
        plenary.stop()
        provider.terminate()
        provider.wait(10)
        if provider.stdout is not None:
            provider.stdout.close()


async def through_the_provider(page: Page, login: str) -> None:
    """The provider's own pages: its login form, then its consent."""
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password")
    await page.locator("button[type=submit]").click()
    await page.locator("button[type=submit]").click()  # "Continue": share the profile


async def test_a_moderator_signs_in_with_the_organisations_account(people: People,
                                                                   server: Server) -> None:
    event = create_event(server)
    page = await people.page()
    await page.goto(f"{server.http}/#/join?event={event.id}")
    await page.get_by_role("link", name="Sign in with your organisation’s account").click()
    await expect(page.locator("input[name=login]")).to_be_visible()
    await shot(page, "oidc-provider-login")
    await through_the_provider(page, "moderna")
    await expect(page.get_by_text("Signed in as Moderna Idp (moderator)")).to_be_visible()
    await page.get_by_role("link", name="Opening").click()
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "online")
    await expect(page.locator("#session-live")).to_be_visible()  # the moderator's controls
    await shot(page, "oidc-signed-in-moderator")


async def test_an_organiser_signs_in_to_the_admin_pages(people: People, server: Server) -> None:
    event = create_event(server)
    page = await people.page()
    await page.goto(f"{server.http}/#/admin")
    await page.get_by_role("link", name="Sign in with your organisation’s account").click()
    await through_the_provider(page, "admin-ana")
    await expect(page.locator(f'.admin-event[data-event="{event.id}"]')).to_be_visible()
    token = await page.evaluate("sessionStorage.getItem('plenary.admin')")
    assert token != ADMIN_KEY
    assert http("GET", f"{server.http}/api/events", token=token)[0] == 200

    # Someone who is not an organiser is told so, and gets no admin token.
    other = await people.page()
    await other.goto(f"{server.http}/auth/login?next=admin")
    await through_the_provider(other, "bob")
    await expect(other.locator("#signin-error")).to_have_text(
        "Your account is not one of this server's organisers.")
