"""The browser client when the server goes away: a command whose reply was lost with the
connection is sent again with its key after the reconnect, and nothing is created twice; a
server stopped with SIGTERM (1001) and started again is reconnected to, its state intact."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from conftest import People
from harness import Client, Server, create_event

pytestmark = pytest.mark.browser

ASK_THEN_DROP = """async (text) => {
  const conn = window.plenary.connection;
  const asked = conn.call('qa.ask', { session: 'opening', text });
  conn.ws.close();  // the reply is lost with the socket; the client retries with the key
  return (await asked).question.id;
}"""


async def test_a_lost_reply_is_retried_with_its_key_and_creates_one_question(
        people: People) -> None:
    event = people.event
    mod = await Client.connect(event.server, event.token("moderator", "Maria"))
    await mod.join("opening")
    ana = await people.join("attendee", "Ana")
    qid = await ana.evaluate(ASK_THEN_DROP, "Asked once, acknowledged after a drop?")
    asked = [q for q in (await mod.join("opening"))["questions"]
             if q["text"] == "Asked once, acknowledged after a drop?"]
    assert [q["id"] for q in asked] == [qid]
    await mod.close()


async def test_sigterm_1001_and_the_client_reconnects_to_the_restarted_server(
        people: People, server: Server) -> None:
    ana = await people.join("attendee", "Ana")
    await ana.locator("#ask-text").fill("Typed before the restart")
    assert server.proc is not None
    server.proc.terminate()
    server.proc.wait(10)
    await expect(ana.locator("#conn-status")).not_to_have_attribute("data-state", "online")
    server.proc = None
    server.start()  # same port, same PLENARY_DATA: the event is still defined
    await expect(ana.locator("#conn-status")).to_have_attribute("data-state", "online",
                                                                timeout=30_000)
    await expect(ana.locator(".session h1")).to_have_text("Opening")
    await expect(ana.locator("#ask-text")).to_have_value("Typed before the restart")
    codes = await ana.evaluate("window.plenary.connection.closeCodes")
    assert codes[0] == 1001, codes  # then 1006 while nothing listened


async def test_an_expired_token_is_renewed_and_the_page_keeps_what_was_typed(
        browser: Browser) -> None:
    server = Server(env={"PLENARY_TOKEN_TTL_S": "4"}).start()
    try:
        crowd = People(browser, create_event(server))
        ana = await crowd.join("attendee", "Ana")
        user = await ana.evaluate("window.plenary.connection.user.id")
        await ana.locator("#ask-text").fill("Half a question, typed while the token ran out")
        await ana.wait_for_function(
            "window.plenary.connection.closeCodes.includes(4401)", timeout=20_000)
        await expect(ana.locator("#conn-status")).to_have_attribute("data-state", "online")
        await expect(ana.locator("#ask-text")).to_have_value(
            "Half a question, typed while the token ran out")
        await expect(ana.locator(".session h1")).to_have_text("Opening")
        assert await ana.evaluate("window.plenary.connection.user.id") == user
        assert "#/join" not in ana.url
        assert not crowd.errors, crowd.errors
    finally:
        server.stop()
