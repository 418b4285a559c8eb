"""Recovery in the browser: a reload and a dropped connection lose and duplicate nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import expect

from conftest import People, shot
from harness import Client

pytestmark = pytest.mark.browser


async def test_reload_resumes_without_duplicates(people: People) -> None:
    event = people.event
    mod = await Client.connect(event.server, event.token("moderator", "Maria"))
    await mod.join("opening")
    ana = await people.join("attendee", "Ana")

    await ana.locator("#ask-text").fill("Will the slides be shared?")
    await ana.get_by_role("button", name="Send question").click()
    asked = await mod.event("qa.question", where=lambda d: d["question"]["status"] == "pending")
    await mod.call("qa.moderate", {"question": asked["data"]["question"]["id"],
                                   "action": "approve"})
    question = ana.locator("#questions .question")
    await expect(question.locator(".badge-pending")).to_have_count(0)
    await question.locator("button.vote").click()
    await expect(question.locator(".vote-count")).to_have_text("1")
    poll = (await mod.call("poll.create", {"session": "opening", "title": "Coffee or tea?",
                                           "kind": "single", "options": ["Coffee", "Tea"]}))["poll"]
    await mod.call("poll.open", {"poll": poll["id"]})
    await ana.get_by_role("radio", name="Tea").check()
    await ana.get_by_role("button", name="Vote", exact=True).click()
    await expect(ana.locator("#polls .voted")).to_be_visible()

    await ana.reload()
    await expect(ana.locator(".session")).not_to_have_attribute("aria-busy", "true")
    await expect(question).to_have_count(1)
    await expect(question.locator("button.vote")).to_have_attribute("aria-pressed", "true")
    await expect(question.locator(".vote-count")).to_have_text("1")
    await expect(ana.locator("#polls .voted")).to_have_text("Thanks, your answer is counted.")
    await expect(ana.locator("#polls form")).to_have_count(0)
    await expect(ana.locator("#polls .bar-row").nth(1)).to_contain_text("1 (100%)")
    await shot(ana, "resume-after-reload")
    await mod.close()


async def test_dropped_connection_resumes_exactly_once(people: People) -> None:
    event = people.event
    mod = await Client.connect(event.server, event.token("moderator", "Maria"))
    await mod.join("opening")
    ana = await people.page()
    hellos: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        def sent(payload: str | bytes) -> None:
            message = json.loads(payload)
            if message.get("type") == "hello":
                hellos.append(message["data"])

        ws.on("framesent", sent)

    ana.on("websocket", on_socket)
    ana = await people.join("attendee", "Ana", page=ana)
    breakout = (await mod.call("breakout.create", {"session": "opening", "rooms": ["Circle"],
                                                   "assign": "auto"}))["breakout"]
    await mod.call("breakout.open", {"breakout": breakout["id"]})
    await expect(ana.locator("#room-h")).to_have_text("Room: Circle")
    await ana.locator("#room-say").fill("Before the drop")
    await ana.get_by_role("button", name="Send", exact=True).click()
    await expect(ana.locator("#room-messages .message")).to_have_count(1)

    # The socket drops; while the client backs off, the room and the session move on.
    await ana.evaluate("window.plenary.connection.ws.close()")
    await mod.call("breakout.broadcast", {"breakout": breakout["id"], "text": "During the drop"})
    await mod.call("session.update", {"session": "opening", "live": True})

    await expect(ana.locator("#conn-status")).to_have_attribute("data-state", "online")
    messages = ana.locator("#room-messages .message")
    await expect(messages.nth(1)).to_have_text("From the moderators: During the drop")
    await expect(ana.locator("#live-badge")).to_have_text("Live")
    await mod.call("breakout.broadcast", {"breakout": breakout["id"], "text": "After"})
    await expect(messages.nth(2)).to_have_text("From the moderators: After")
    await expect(messages).to_have_text(["Ana: Before the drop",
                                         "From the moderators: During the drop",
                                         "From the moderators: After"])
    # The second hello asked to resume every topic the page followed, after its last seq.
    assert len(hellos) == 2, hellos
    resumed = hellos[1]["resume"]
    assert {"session:opening", f"room:{breakout['rooms'][0]['id']}"} <= set(resumed), resumed
    assert any(topic.startswith("user:") for topic in resumed), resumed
    await shot(ana, "resume-after-drop")

    # Dropped again, the rooms close meanwhile: the replayed move brings Ana back.
    await ana.evaluate("window.plenary.connection.ws.close()")
    await mod.call("breakout.close", {"breakout": breakout["id"]})
    await expect(ana.locator("#room-panel")).to_be_hidden()
    await expect(ana.locator("#announcer")).to_have_text(
        "The breakout is over: you are back in the main session.")
    await expect(ana.locator("#conn-status")).to_have_attribute("data-state", "online")
    assert len(hellos) == 3, hellos
    await mod.close()
