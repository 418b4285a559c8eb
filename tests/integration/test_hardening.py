"""Edges found by fault tests: each is refused precisely and the connection survives."""

from __future__ import annotations

from harness import Client, Event, Server, create_event


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


async def test_a_retry_with_the_same_key_answers_the_first_reply_and_creates_nothing(
        event: Event) -> None:
    token, mod_token = event.token(), event.token("moderator")
    mod = await Client.connect(event.server, mod_token)
    await mod.join("open-floor")
    first = await Client.connect(event.server, token)
    await first.join("open-floor")
    ask = {"session": "open-floor", "text": "Asked once, sent twice?"}
    asked = await first.call("qa.ask", ask, key="k-ask-1")
    await first.close()  # the ack "was lost": the client retries on a new connection
    again = await Client.connect(event.server, token)
    await again.join("open-floor")
    assert await again.call("qa.ask", ask, key="k-ask-1") == asked
    other = await again.call("qa.ask", ask, key="k-ask-2")  # another key: another question
    assert other["question"]["id"] != asked["question"]["id"]
    questions = (await mod.join("open-floor"))["questions"]
    assert sorted(q["id"] for q in questions) == sorted(
        [asked["question"]["id"], other["question"]["id"]])
    poll = (await mod.call("poll.create", {"session": "open-floor", "title": "Once?",
                                           "kind": "single", "options": ["A", "B"]}))["poll"]
    await mod.call("poll.open", {"poll": poll["id"]})
    vote = {"poll": poll["id"], "choices": [1]}
    assert await again.call("poll.vote", vote, key="k-vote") == \
        await again.call("poll.vote", vote, key="k-vote")  # not `already_voted`
    assert await again.error("poll.vote", vote) == "already_voted"
    # An error changed nothing and keeps nothing: the same key may then succeed.
    assert await again.error("qa.ask", {"session": "open-floor", "text": " "}) == "bad_request"
    bad = await again.request("qa.ask", {"session": "open-floor", "text": " "}, key="k-3")
    assert bad["type"] == "error"
    assert (await again.call("qa.ask", ask, key="k-3"))["question"]["id"]
    reply = await again.request("qa.ask", ask, key="")
    assert reply["type"] == "error" and reply["error"]["code"] == "bad_request"
    for client in (mod, again):
        await client.close()


async def test_sigterm_closes_clients_with_1001_going_away() -> None:
    server = Server().start()
    try:
        event = create_event(server)
        clients = [await Client.connect(server, event.token()) for _ in range(3)]
        await clients[0].join("opening")
        assert server.proc is not None
        server.proc.terminate()
        for client in clients:
            code, _ = await client.wait_closed()
            assert code == 1001
        assert server.proc.wait(10) in (0, -15)  # uvicorn re-raises the signal it handled
    finally:
        server.stop()
