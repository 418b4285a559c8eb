"""The WebSocket handshake, hello and every kind of bad input, on both backends."""

from __future__ import annotations

import asyncio
import json

import jwt
import pytest
import websockets

from harness import SECRET, Client, Event, Server


async def test_hello_answers_who_and_where(event: Event) -> None:
    client = await Client.connect(event.server, event.token("speaker", "Zoë Müller"))
    assert client.hello["user"]["name"] == "Zoë Müller"
    assert client.hello["user"]["role"] == "speaker"
    assert client.hello["event"] == {"id": event.id, "title": "Test conference"}
    assert client.hello["resumed"] == {}
    assert isinstance(client.hello["server_time"], int)
    assert await client.error("hello", {"token": event.token()}) == "conflict"
    await client.close()


async def test_bad_frames_get_errors_and_the_connection_carries_on(event: Event) -> None:
    client = await Client.connect(event.server, event.token())
    for frame in ["not json", "[1, 2]", '[{"id": 1, "type": "session.join"}]',
                  '{"id": 99999999999999999999999999, "type": "session.join"}', '"x"', "{}"]:
        await client.send_raw(frame)
    errors = [await client.event("error") for _ in range(6)]
    assert all(e["id"] is None and e["error"]["code"] == "bad_request" for e in errors)
    # Still connected and working:
    assert (await client.join("opening"))["session"]["id"] == "opening"
    await client.close()


@pytest.mark.parametrize(("kind", "data", "code", "words"), [
    ("no.such.command", {}, "bad_request", "Unknown command"),
    ("session.join", {}, "bad_request", "missing required field `session`"),
    ("session.join", {"session": 7}, "bad_request", "data.session"),
    ("session.join", {"session": "x" * 10_000}, "bad_request", "data.session"),
    ("session.join", {"session": "opening", "mode": "moon"}, "bad_request", "data.mode"),
    ("session.join", {"session": "opening", "extra": 1}, "bad_request", "unknown field"),
    ("session.join", {"session": "nope"}, "not_found", "nope"),
    ("session.update", {"session": "opening", "live": True}, "forbidden", "moderator"),
    ("session.leave", {"session": "opening"}, "bad_request", "not in session"),
])
async def test_invalid_commands_get_a_precise_error(event: Event, kind: str, data: object,
                                                     code: str, words: str) -> None:
    client = await Client.connect(event.server, event.token("attendee"))
    reply = await client.request(kind, data)
    assert reply["type"] == "error" and reply["error"]["code"] == code
    assert words in reply["error"]["message"]
    await client.close()


async def test_an_attendee_cannot_change_a_session(event: Event) -> None:
    attendee = await Client.connect(event.server, event.token("attendee"))
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.join("opening")
    assert await attendee.error("session.update",
                                {"session": "opening", "live": True}) == "forbidden"
    snapshot = await moderator.join("opening")
    assert snapshot["session"]["live"] is False
    await attendee.close()
    await moderator.close()


async def test_commands_before_hello_are_unauthorized_until_hello(event: Event) -> None:
    client = await Client.connect(event.server)
    assert await client.error("session.join", {"session": "opening"}) == "unauthorized"
    hello = await client.call("hello", {"token": event.token()})
    assert hello["user"]["role"] == "attendee"
    await client.close()


@pytest.mark.parametrize("flaw", ["expired", "tampered", "unknown event", "not a token"])
async def test_a_bad_token_is_refused_and_closed_4401(event: Event, flaw: str) -> None:
    token = event.token()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    if flaw == "expired":
        token = jwt.encode({**claims, "exp": 1}, SECRET)
    elif flaw == "tampered":
        token = jwt.encode({**claims, "role": "moderator"}, "some-other-secret-" + "y" * 20)
    elif flaw == "unknown event":
        token = jwt.encode({**claims, "event": "no-such-event"}, SECRET)
    else:
        token = "garbage"
    client = await Client.connect(event.server)
    assert await client.error("hello", {"token": token}) == "unauthorized"
    assert (await client.wait_closed())[0] == 4401


async def test_a_wrong_origin_is_refused_at_the_handshake(server: Server) -> None:
    with pytest.raises(websockets.InvalidStatus) as caught:
        await Client.connect(server, origin="https://evil.example")
    assert caught.value.response.status_code == 403
    own = await Client.connect(server, origin=f"http://127.0.0.1:{server.port}")
    await own.close()


async def test_a_frame_over_the_limit_closes_with_1009(event: Event) -> None:
    client = await Client.connect(event.server, event.token())
    await client.send_raw(json.dumps({"id": 1, "type": "x", "data": {"t": "x" * 70_000}}))
    assert (await client.wait_closed())[0] == 1009


async def test_bad_input_from_one_client_does_not_disturb_another(event: Event) -> None:
    watcher = await Client.connect(event.server, event.token())
    await watcher.join("opening")
    vandal = await Client.connect(event.server, event.token())
    for frame in ["{", "[]", '{"id": 1, "type": "session.join", "data": {"session": null}}']:
        await vandal.send_raw(frame)
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.call("session.update", {"session": "opening", "live": True})
    updated = await watcher.event("session.updated")
    assert updated["data"]["session"]["live"] is True
    for c in (watcher, vandal, moderator):
        await c.close()


async def test_no_hello_in_time_closes_with_4408() -> None:
    server = Server(env={"PLENARY_HELLO_TIMEOUT_S": "0.5"}).start()
    try:
        client = await Client.connect(server)
        assert (await client.wait_closed())[0] == 4408
    finally:
        server.stop()


async def test_a_flood_of_commands_is_rate_limited_not_dropped(event: Event) -> None:
    client = await Client.connect(event.server, event.token())
    replies = await asyncio.gather(*[client.request("session.join", {"session": "nope"})
                                     for _ in range(60)])
    codes = [r["error"]["code"] for r in replies]
    assert len(replies) == 60 and "rate_limited" in codes and "not_found" in codes
    await client.close()
