"""The accessibility sweep's tools: axe-core (the npm package, installed from this folder's
package-lock.json on first use) injected into a page, and screenshots of a view at a phone's
and a desktop's width, light and dark, saved under tests/artifacts/sweep/ for a human to look at.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from conftest import ARTIFACTS, LAPTOP, PHONE

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SWEEP = ARTIFACTS / "sweep"
WIDTHS = {"375": PHONE, "1280": LAPTOP}
BLOCKING = {"serious", "critical"}


def axe_source() -> str:
    """axe.min.js, after `npm ci` here if it is not installed yet (one installer at a time)."""
    if not AXE.exists():
        with open(HERE / ".npm-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE.exists():
                subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                               cwd=HERE, check=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


async def violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe-core findings on the page as it is now (WCAG 2.2 AA)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(content=axe_source())
    found: list[dict[str, Any]] = await page.evaluate("""async () => {
      const result = await axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
                                         'best-practice'] },
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '),
                                                  summary: n.failureSummary })) }));
    }""")
    return [v for v in found if v["impact"] in BLOCKING]


async def sweep(page: Page, view: str, *, langs: tuple[str, ...] = ("en", "fr"),
                schemes: tuple[str, ...] = ("light", "dark")) -> dict[str, Any]:
    """Check `view` as it is on `page` in each language, theme and width; save a screenshot
    of each. Returns the blocking findings by `lang-scheme-width` (empty when all is well)."""
    SWEEP.mkdir(parents=True, exist_ok=True)
    problems: dict[str, Any] = {}
    size = page.viewport_size
    for lang in langs:
        await page.evaluate("async (l) => (await import('/js/i18n.js')).setLang(l)", lang)
        await page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)
        for scheme in schemes:
            # Reduced motion: the tokens' durations drop to 0, so a theme change is whole
            # at once (a half-way colour would be checked otherwise).
            await page.emulate_media(color_scheme=scheme,  # type: ignore[arg-type]
                                     reduced_motion="reduce")
            for width, size in WIDTHS.items():
                await page.set_viewport_size(size)
                # From the top (a sticky bar would land mid-page otherwise), once layout and
                # transitions have settled.
                await page.evaluate("""async () => {
                  window.scrollTo(0, 0);
                  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                }""")
                name = f"{view}-{lang}-{scheme}-{width}"
                await page.screenshot(path=str(SWEEP / f"{name}.png"), full_page=True)
                found = await violations(page)
                if found:
                    problems[name] = found
    # Back as it was, for what the test does next.
    await page.evaluate("async () => (await import('/js/i18n.js')).setLang('en')")
    await page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    if size:
        await page.set_viewport_size(size)
    return problems


def report(problems: dict[str, Any]) -> str:
    """One line per finding and element, with where it was seen."""
    seen: dict[str, list[str]] = {}
    for name, found in problems.items():
        for v in found:
            for node in v["nodes"]:
                seen.setdefault(f"{v['id']} ({v['impact']}) at {node['target']}: "
                                f"{node['summary']}", []).append(name)
    return json.dumps(seen, indent=1, ensure_ascii=False)
