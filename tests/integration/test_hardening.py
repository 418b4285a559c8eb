"""Edges found by fault tests: each is refused precisely and the connection survives."""

from __future__ import annotations

from harness import Client, Event


async def test_deeply_nested_frames_are_bad_requests_and_the_connection_stays(
        event: Event) -> None:
    client = await Client.connect(event.server)  # even before hello
    deep = {"x": 1}
    for _ in range(40):
        deep = {"x": deep}
    reply = await client.request("hello", deep)
    assert reply["type"] == "error" and reply["error"]["code"] == "bad_request"
    await client.send_raw('{"id": 9, "type": "hello", "data": ' + "[" * 20_000 + "]" * 20_000
                          + "}")
    error = await client.event("error")
    assert error["error"]["code"] == "bad_request" and "deeper" in error["error"]["message"]
    hello = await client.call("hello", {"token": event.token()})
    assert hello["user"]["role"] == "attendee"
    await client.close()
    assert "Traceback" not in event.server.output()
    assert "RecursionError" not in event.server.output()
