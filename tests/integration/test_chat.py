"""The session chat over real sockets, on both backends and across processes: messages and
history, deletion gone from snapshots and from replays, slow mode, closing, muting, the
profanity mask."""

from __future__ import annotations

import json

from harness import Client, Event, Server, create_event

S = "opening"


async def member(server: Server, token: str) -> Client:
    client = await Client.connect(server, token)
    await client.join(S)
    return client


async def say(client: Client, text: str) -> dict[str, object]:
    reply = await client.call("chat.say", {"session": S, "text": text})
    return reply["message"]  # type: ignore[no-any-return]


async def test_messages_reach_the_session_and_late_joiners(event: Event) -> None:
    ana = await member(event.server, event.token(name="Ana"))
    bo = await member(event.server, event.token())
    sent = await say(ana, "  Hello <b>all</b>  ")
    assert sent["text"] == "Hello <b>all</b>" and sent["user"] == {"id": ana.user["id"],
                                                                   "name": "Ana"}
    got = await bo.event("chat.message")
    assert got["data"] == {"session": S, "message": sent}
    late = await Client.connect(event.server, event.token())
    snapshot = await late.join(S)
    assert snapshot["chat"] == {"messages": [sent], "slow_s": 0}
    assert await bo.error("chat.say", {"session": S, "text": "   "}) == "bad_request"
    assert await bo.error("chat.say", {"session": "open-floor", "text": "hi"}) == "forbidden"
    for c in (ana, bo, late):
        await c.close()


async def test_a_deleted_message_is_gone_for_everyone_including_replays(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    moderator = await member(a, event.token("moderator"))
    token = event.token()
    reader = await member(b, token)
    seqs = dict(reader.seqs)
    await reader.close()
    writer = await member(a, event.token())
    keep, gone = await say(writer, "Keep me"), await say(writer, "Delete me, a slur")
    assert await writer.error("chat.delete", {"session": S, "message": gone["id"]}) == "forbidden"
    await moderator.call("chat.delete", {"session": S, "message": gone["id"]})
    assert await moderator.error("chat.delete", {"session": S, "message": gone["id"]}) \
        == "not_found"
    back = await Client.connect(b, token, resume=seqs)  # replayed on the other process
    assert back.hello["resumed"]["session:opening"] is True
    await back.event("chat.deleted")
    await back.event("chat.deleted")  # the redacted event, then the deletion itself
    replayed = [e for e in back.events if e["type"] == "chat.message"]
    assert [e["data"]["message"]["id"] for e in replayed] == [keep["id"]]
    assert "Delete me" not in json.dumps(back.events)
    late = await Client.connect(b, event.token())
    assert [m["id"] for m in (await late.join(S))["chat"]["messages"]] == [keep["id"]]
    for c in (moderator, writer, back, late):
        await c.close()


async def test_slow_mode_and_closing_hold_attendees_not_staff(event: Event) -> None:
    moderator = await member(event.server, event.token("moderator"))
    ana = await member(event.server, event.token())
    assert await ana.error("chat.slow_mode", {"session": S, "seconds": 30}) == "forbidden"
    assert await moderator.call("chat.slow_mode", {"session": S, "seconds": 30}) \
        == {"session": S, "slow_s": 30}
    await ana.event("chat.slow_mode", lambda d: d["slow_s"] == 30)
    await say(ana, "first")
    assert await ana.error("chat.say", {"session": S, "text": "second"}) == "rate_limited"
    await say(moderator, "staff are not slowed")
    await say(moderator, "not at all")
    await moderator.call("session.update", {"session": S, "chat_open": False})
    got = await ana.event("session.updated", lambda d: d["session"]["chat_open"] is False)
    assert got["data"]["session"]["qa_open"] is True
    assert await ana.error("chat.say", {"session": S, "text": "hello?"}) == "chat_closed"
    await say(moderator, "The chat is closed during the keynote.")
    await moderator.call("session.update", {"session": S, "chat_open": True})
    for c in (moderator, ana):
        await c.close()


async def test_muted_people_cannot_post_and_profanity_is_masked(event: Event) -> None:
    moderator = await member(event.server, event.token("moderator"))
    ana = await member(event.server, event.token())
    masked = await say(ana, "This is shit, quelle merde")
    assert masked["text"] == "This is ****, quelle *****"
    await moderator.call("user.mute", {"user": ana.user["id"]})
    assert (await ana.event("user.muted"))["data"] == {"muted": True}
    assert await ana.error("chat.say", {"session": S, "text": "hi"}) == "forbidden"
    assert await ana.error("qa.ask", {"session": S, "text": "A question?"}) == "forbidden"
    await moderator.call("user.mute", {"user": ana.user["id"], "muted": False})
    await say(ana, "back")
    for c in (moderator, ana):
        await c.close()
