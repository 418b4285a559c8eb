"""Fixtures for the browser tests: one Plenary server (embedded backend) per module, a real
Chromium per test (Debian's package, driven by Playwright), and people who join through the
UI the way a visitor does. Screenshots of what each person saw go to tests/artifacts/.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import CODES, Event, Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE: ViewportSize = {"width": 375, "height": 740}
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000  # generous: the machine is shared

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """Overrides the root `server`: the browser tests run on the embedded backend."""
    srv = Server().start()
    yield srv
    srv.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


class People:
    """Opens a private browser context per person; collects page errors to fail on them."""

    def __init__(self, browser: Browser, event: Event) -> None:
        self.browser = browser
        self.event = event
        self.errors: list[str] = []

    async def page(self, *, viewport: ViewportSize | None = None,
                   locale: str = "en-GB") -> Page:
        context = await self.browser.new_context(viewport=viewport or LAPTOP, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    async def join(self, role: str, name: str, *, mode: str = "remote",
                   session: str = "opening", viewport: ViewportSize | None = None,
                   locale: str = "en-GB", page: Page | None = None) -> Page:
        """Follow the event's join link, give a name and a seat, enter the session."""
        page = page or await self.page(viewport=viewport, locale=locale)
        server = self.event.server
        await page.goto(f"{server.http}/#/join?event={self.event.id}&code={CODES[role]}")
        await page.locator("#join-name").fill(name)
        await page.locator(f"#mode-{mode}").check()
        await page.locator("form.card button[type=submit]").first.click()
        title = next(s["title"] for s in self.event.definition["sessions"] if s["id"] == session)
        await page.get_by_role("link", name=title).click()
        await expect(page.locator("#conn-status")).to_have_attribute("data-state", "online")
        await expect(page.locator(".session")).not_to_have_attribute("aria-busy", "true")
        await expect(page.locator(".session h1")).to_have_text(title)
        return page


@pytest.fixture
async def people(browser: Browser, event: Event) -> AsyncIterator[People]:
    crowd = People(browser, event)
    yield crowd
    assert not crowd.errors, f"errors in the page: {crowd.errors}"


async def shot(page: Page, name: str) -> Path:
    """Save what this person sees now, whole page, for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
