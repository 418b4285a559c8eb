"""The browser client when acknowledgements go missing: a command whose reply was lost with
the connection is sent again with its key after the reconnect, and nothing is created twice."""

from __future__ import annotations

import pytest

from conftest import People
from harness import Client

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
