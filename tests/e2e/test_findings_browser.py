"""The findings of issue 18, each where it could break again: voting (focus, an empty vote,
changing a vote, named polls), results with no answers, the moderator's one screen, the
in-room attendee's phone, and names for what a screen reader reads."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from conftest import PHONE, People, shot
from harness import CODES, Client, create_event

pytestmark = pytest.mark.browser

SESSION = "open-floor"


async def open_poll(staff: Client, title: str, kind: str, **fields: Any) -> str:
    reply = await staff.call("poll.create", {"session": SESSION, "title": title, "kind": kind,
                                             **fields})
    await staff.call("poll.open", {"poll": reply["poll"]["id"]})
    return str(reply["poll"]["id"])


async def staff_of(people: People) -> Client:
    event = people.event
    staff = await Client.connect(event.server, event.token("moderator", "Seed"))
    await staff.join(SESSION)
    return staff


async def test_voting_keeps_the_keyboard_and_the_answer(people: People) -> None:
    staff = await staff_of(people)
    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE, session=SESSION)
    # Entering a session puts the keyboard on its title, not on <body>.
    await expect(ana.locator(".session h1")).to_be_focused()
    poll = await open_poll(staff, "Lunch?", "multiple", options=["Soup", "Salad", "Pasta"],
                           allow_change=True, anonymous=False)
    card = ana.locator("#polls .poll")
    await expect(card.locator("h3")).to_have_text("Lunch?")
    # A named poll says so before the vote.
    await expect(card).to_contain_text("Answers are recorded with your name.")

    # "Vote" with nothing chosen says what is missing and puts the focus on the options.
    await card.get_by_role("button", name="Vote").click()
    await expect(card.locator(".form-error")).to_have_text(
        "Choose an option first, no more than the poll allows.")
    await expect(ana.locator(f"#poll-{poll}-0")).to_be_focused()

    await ana.get_by_label("Salad").check()
    await ana.get_by_label("Pasta").check()
    await card.get_by_role("button", name="Vote").click()
    thanks = card.locator(".voted")
    await expect(thanks).to_have_text("Thanks, your answer is counted, with your name.")
    await expect(thanks).to_be_focused()

    # "Change my vote" brings the form back with the earlier answer in it.
    await card.get_by_role("button", name="Change my vote").click()
    await expect(ana.get_by_label("Salad")).to_be_checked()
    await expect(ana.get_by_label("Pasta")).to_be_checked()
    await expect(ana.get_by_label("Soup")).not_to_be_checked()
    await staff.close()


async def test_results_with_no_answers_and_an_unmet_minimum_say_so(people: People) -> None:
    staff = await staff_of(people)
    ben = await people.join("attendee", "Ben", session=SESSION)
    rating = await open_poll(staff, "How was it?", "rating", scale=5)
    card = ben.locator("#polls .poll", has_text="How was it?")
    await expect(card.locator(".results")).to_have_text("No answers yet.")
    await expect(card).not_to_contain_text("Average")
    await expect(card.locator(".bar-row")).to_have_count(0)
    await staff.call("poll.close", {"poll": rating})

    hidden = await open_poll(staff, "Honest feedback?", "text", min_responses=3)
    card = ben.locator("#polls .poll", has_text="Honest feedback?")
    await expect(card).to_contain_text("Results appear once 3 people have answered.")
    await staff.call("poll.close", {"poll": hidden})
    await expect(card).to_contain_text("Fewer than 3 people answered: the results stay hidden.")
    await expect(card).not_to_contain_text("Results appear once")

    # Word-cloud words are read as words, with how often they came.
    cloud = await open_poll(staff, "One word?", "wordcloud")
    await staff.call("poll.vote", {"poll": cloud, "text": "Trust"})
    card = ben.locator("#polls .poll", has_text="One word?")
    await expect(card.locator(".wordcloud li")).to_have_text("trust, said once")
    await staff.close()


async def tap_targets_below(page: Page, px: int) -> list[str]:
    """Visible buttons, links and form controls smaller than px × px (inline text links in a
    sentence excepted, as WCAG 2.5.8 does)."""
    found: list[str] = await page.evaluate("""(px) => [...document.querySelectorAll(
        'button, a[href], select, input, textarea, summary')].filter((el) => {
          const r = el.getBoundingClientRect();
          if (!r.width || !r.height || r.right <= 0 || el.closest('[hidden]')) return false;
          if (el.matches('input[type=checkbox], input[type=radio]'))
            return el.closest('label').getBoundingClientRect().height < px;
          if (el.matches('p a, li > a.session-link')) return false;
          return r.height < px || r.width < px;
        }).map((el) => `${el.tagName} ${el.id || el.className} ${el.textContent.trim()}`
                         + ` ${Math.round(el.getBoundingClientRect().width)}x`
                         + `${Math.round(el.getBoundingClientRect().height)}`)""", px)
    return found


async def test_an_in_room_phone_lands_on_questions_with_one_line_bar(people: People) -> None:
    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE, session=SESSION)
    # No poll and nothing live: no empty cards (the stage keeps only the live room's tools:
    # the speaker is in the room); the question box is on the first screen.
    await expect(ana.locator("#stage-videos")).to_be_hidden()
    await expect(ana.locator("#stage-h")).to_be_hidden()
    await expect(ana.locator("#stage-note")).to_be_hidden()
    await expect(ana.get_by_role("button", name="Raise hand")).to_be_visible()
    # The room's layout is marked `mode-in_room`: nothing meant for a badge may paint it
    # (it once turned every heading and label white on the white cards).
    colours = await ana.locator("#qa-h").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e.closest('.card')).backgroundColor]")
    assert colours[0] != colours[1], colours
    await expect(ana.locator("#poll-panel")).to_be_hidden()
    await expect(ana.locator("#survey-panel")).to_be_hidden()
    await expect(ana.locator("#ask-text")).to_be_in_viewport()
    bar = await ana.locator(".topbar").bounding_box()
    assert bar and bar["height"] <= 56, bar  # one line of 44 px controls
    assert await tap_targets_below(ana, 44) == []
    await shot(ana, "findings-in-room-phone")

    # Online, the stage still leads (it is how they follow the session).
    ben = await people.join("attendee", "Ben", mode="remote", viewport=PHONE, session=SESSION)
    await expect(ben.locator("#stage")).to_be_visible()


async def test_the_moderator_sees_open_work_first_and_folds_the_rest(people: People) -> None:
    staff = await staff_of(people)
    for n in range(4):
        poll = await open_poll(staff, f"Old poll {n}", "single", options=["Yes", "No"])
        await staff.call("poll.close", {"poll": poll})
    await open_poll(staff, "Running poll", "single", options=["Yes", "No"])
    asked = await staff.call("qa.ask", {"session": SESSION, "text": "What about Fridays?"})
    mod = await people.join("moderator", "Maria", session=SESSION)

    # The builder is folded when polls exist; the running poll comes first; closed ones fold.
    await expect(mod.locator("#poll-panel .builder-box")).not_to_have_attribute("open", "")
    await expect(mod.locator("#moderator-polls .poll h3")).to_have_text(["Running poll"])
    await expect(mod.locator("#closed-polls")).not_to_have_attribute("open", "")
    await expect(mod.locator("#closed-polls summary")).to_have_text("Closed polls (4)")
    height = await mod.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 1400, height

    # "Mark answered" is a button that opens a small form, focus inside.
    question = mod.locator(f"#queue-visible [data-id='{asked['question']['id']}']")
    toggle = question.get_by_role("button", name="Mark answered")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(question.get_by_label("Written answer (optional)")).to_be_focused()
    await mod.keyboard.type("Fridays stay remote.")
    await mod.keyboard.press("Enter")
    # Answered questions fold away under their heading.
    done = mod.locator("details.queue-answered")
    await expect(done.locator("summary")).to_contain_text("Answered (1)")
    await expect(done).not_to_have_attribute("open", "")
    await shot(mod, "findings-moderator-one-screen")
    await staff.close()


async def test_breakouts_show_names_the_split_and_keep_broadcasts(people: People) -> None:
    mod = await people.join("moderator", "Maria")
    ana = await people.join("attendee", "Ana", viewport=PHONE)
    ben = await people.join("attendee", "Ben")
    await expect(mod.locator("#presence")).to_contain_text("3 here")

    # An automatic split is previewed before the rooms open.
    await mod.locator("#brc-rooms").fill("2")
    await mod.get_by_role("button", name="Create rooms").click()
    await expect(mod.locator("#split-preview")).to_have_text(
        "2 people here now: 2 rooms of 1 each when you open them.")
    await mod.get_by_role("button", name="Close rooms").click()

    # Self-select: the moderator sees who chose which room by name, without a reload.
    await mod.locator("#brc-rooms").fill("Policy, Practice")
    await mod.locator("#brc-assign").select_option("self")
    await mod.get_by_role("button", name="Create rooms").click()
    await mod.get_by_role("button", name="Open rooms").click()
    await ana.get_by_role("button", name="Join Policy").click()
    await ben.get_by_role("button", name="Join Practice").click()
    for room, name in (("Policy", "Ana"), ("Practice", "Ben")):
        card = mod.locator(".room-card").filter(has=mod.locator("h4", has_text=room))
        await expect(card.locator(".person > span")).to_have_text([name])

    # A broadcast stays in the room's chat after a reload.
    await mod.locator("#br-broadcast").fill("Five minutes left")
    await mod.get_by_role("button", name="Send to all").click()
    broadcast = ana.locator("#room-messages .broadcast")
    await expect(broadcast).to_have_text("From the moderators: Five minutes left")
    await ana.reload()
    await expect(ana.locator("#room-h")).to_have_text("Room: Policy")
    await expect(broadcast).to_have_count(1)
    # The room's video sits above its chat.
    stage = await ana.locator("#room-stage").bounding_box()
    chat = await ana.locator("#room-messages").bounding_box()
    assert stage and chat and stage["y"] < chat["y"]
    await shot(mod, "findings-breakout-names")


CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const button = getComputedStyle(document.querySelector('button.primary'));
  const link = getComputedStyle(document.querySelector('.session-link'));
  const card = getComputedStyle(document.querySelector('.card'));
  return { onAccent: ratio(button.color, button.backgroundColor),
           link: ratio(link.color, card.backgroundColor), accent: button.backgroundColor };
}"""


async def test_event_branding_with_a_checked_accent_and_a_theme_switch(browser: Any,
                                                                      server: Any) -> None:
    # A pale yellow accent would be unreadable as link text on white: it gets darkened.
    event = create_event(server, branding={"name": "HR Summit", "accent": "#ffe14d",
                                           "logo": "data:image/png;base64," + PIXEL})
    crowd = People(browser, event)
    page = await crowd.page(viewport=PHONE)
    # No colour transitions: a theme switch is measured at its end, not half-way.
    await page.emulate_media(reduced_motion="reduce")
    await page.goto(f"{server.http}/#/join?event={event.id}&code={CODES['attendee']}")
    await page.locator("#join-name").fill("Ana")
    await page.locator("form.card button[type=submit]").first.click()
    await expect(page.locator("#brand-name")).to_have_text("HR Summit")
    await expect(page.locator("#brand-logo")).to_be_visible()
    await expect(page.get_by_role("link", name="Opening")).to_be_visible()
    # Measured on the agenda's links and, in the session, the send button on its accent.
    await page.get_by_role("link", name="Opening").click()
    await expect(page.locator("#ask-text")).to_be_visible()
    await page.evaluate("() => { const a = document.createElement('a'); a.className = "
                        "'session-link'; a.href = '#'; a.textContent = 'a link'; "
                        "document.querySelector('.card').append(a); }")
    for theme in ("light", "dark"):
        if theme == "dark":
            toggle = page.get_by_role("button", name="Dark theme")
            await toggle.click()
            await expect(toggle).to_have_attribute("aria-pressed", "true")
            await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        found = await page.evaluate(CONTRAST)
        assert found["onAccent"] >= 4.5 and found["link"] >= 4.5, (theme, found)
    await shot(page, "findings-branded-dark-phone")
    # The choice of theme is remembered.
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert not crowd.errors, crowd.errors


PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAA"
         "AABJRU5ErkJggg==")


async def test_the_keyboard_follows_asking_and_moderating(people: People) -> None:
    ana = await people.join("attendee", "Ana", session="opening")
    for text in ("First question?", "Second question?"):
        await ana.locator("#ask-text").fill(text)
        await ana.locator("#ask-text").press("Tab")
        await ana.keyboard.press("Tab")  # past the anonymous box, onto "Send question"
        await ana.keyboard.press("Enter")
        await expect(ana.locator("#questions .question", has_text=text)).to_have_count(1)
        # Back in the box, ready for the next one.
        await expect(ana.locator("#ask-text")).to_be_focused()

    mod = await people.join("moderator", "Maria", session="opening")
    pending = mod.locator("#queue-pending .question")
    await expect(pending).to_have_count(2)
    await pending.first.get_by_role("button", name="Approve").focus()
    await mod.keyboard.press("Enter")
    await expect(pending).to_have_count(1)
    # The focus goes on to the next question to review…
    await expect(pending.first.get_by_role("button", name="Approve")).to_be_focused()
    await mod.keyboard.press("Enter")
    await expect(pending).to_have_count(0)
    # …and, the list empty, to its heading.
    await expect(mod.locator("#queue-pending-h")).to_be_focused()


BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\u2013-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


async def test_no_word_is_cut_in_results_and_the_split_on_a_phone(people: People) -> None:
    staff = await staff_of(people)
    poll = await open_poll(staff, "Which topic first?", "single",
                           options=["Work–life balance", "Managing people", "Counselling"])
    ana = await people.join("attendee", "Ana", mode="in_room", viewport=PHONE, session=SESSION)
    await ana.get_by_label("Counselling").check()
    await ana.get_by_role("button", name="Vote").click()
    await staff.call("poll.vote", {"poll": poll, "choices": [0]})
    mod = await people.join("moderator", "Maria", viewport=PHONE, session=SESSION)
    await expect(mod.locator("#moderator-polls .split-half")).to_have_count(2)
    await expect(ana.locator("#polls .bar-row")).to_have_count(3)
    for page in (ana, mod):
        assert await page.evaluate(BROKEN_WORDS, ".bar-label, .split-half h4, .option") == []
    await shot(mod, "findings-split-phone")
    await staff.close()
