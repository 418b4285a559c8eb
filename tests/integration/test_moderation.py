"""Removing a person from the event: every connection of theirs closed with 1008 on every
process, their token refused from then on, the reason in the session report."""

from __future__ import annotations

import asyncio

from harness import Client, Server, create_event, http


async def test_a_removed_person_is_closed_and_refused_on_every_process(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    moderator = await Client.connect(a, event.token("moderator"))
    token = event.token(name="Troll")
    tabs = [await Client.connect(srv, token) for srv in (a, b, b)]
    await tabs[0].join("opening")
    bystander = await Client.connect(b, event.token())
    user = tabs[0].user["id"]
    assert await moderator.error("user.remove", {"user": moderator.user["id"],
                                                 "reason": "x"}) == "bad_request"
    assert await bystander.error("user.remove", {"user": user, "reason": "x"}) == "forbidden"
    reply = await moderator.call("user.remove", {"user": user, "reason": "Spam in chat"})
    assert reply["removal"]["reason"] == "Spam in chat"
    closes = await asyncio.gather(*(tab.wait_closed() for tab in tabs))
    assert [code for code, _ in closes] == [1008, 1008, 1008]
    assert tabs[1].has("user.removed")
    for srv in (a, b):
        again = await Client.connect(srv)
        reply = await again.request("hello", {"token": token})
        assert reply["type"] == "error" and reply["error"]["code"] == "forbidden"
        assert (await again.wait_closed())[0] == 1008
    await bystander.call("session.join", {"session": "opening"})  # others carry on
    status, report = http("GET", f"{a.http}/api/events/{event.id}/sessions/opening/report",
                          token=event.token("moderator"))
    assert status == 200
    assert [(r["user"], r["reason"]) for r in report["removals"]] == [(user, "Spam in chat")]
    for c in (moderator, bystander):
        await c.close()
