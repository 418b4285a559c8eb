"""Raised hands and the stage over real sockets, on both backends and across processes: one
hand per person, the queue in order on the staff topic, the grant `media.publish` checks,
given and ended (by a moderator, by leaving, by disconnecting)."""

from __future__ import annotations

from typing import Any

from harness import Client, Event, Server, create_event

S = "opening"
OFFER_ERR = ("forbidden", "bad_request")


async def member(server: Server, token: str, mode: str = "remote") -> Client:
    client = await Client.connect(server, token)
    await client.join(S, mode)
    return client


def queue_of(*users: str) -> Any:
    return lambda d: [h["user"] for h in d["queue"]] == list(users)


def stage_of(*users: str) -> Any:
    return lambda d: [g["user"] for g in d["on_stage"]] == list(users)


async def publish_code(client: Client) -> str:
    """What `media.publish` says before it looks at the offer: forbidden without a grant,
    bad_request (this is not an SDP offer) with one."""
    return await client.error("media.publish", {"kind": "camera", "sdp": "v=0", "session": S})


async def test_one_hand_per_person_in_order_with_the_mode(event: Event) -> None:
    moderator = await member(event.server, event.token("moderator"))
    speaker = await member(event.server, event.token("speaker"))
    token = event.token(name="Ana")
    ana_phone, ana_laptop = await member(event.server, token, "in_room"), \
        await member(event.server, token)
    bo_token = event.token(name="Bo")
    bo = await member(event.server, bo_token)
    assert await ana_phone.call("hand.raise", {"session": S}) == {"raised": True}
    await moderator.event("hands", queue_of(ana_phone.user["id"]))
    assert (await ana_laptop.event("hand"))["data"] == {"session": S, "raised": True, "by": "self"}
    await ana_laptop.call("hand.raise", {"session": S})  # the same person: still one hand
    await bo.call("hand.raise", {"session": S})
    got = await speaker.event("hands", queue_of(ana_phone.user["id"], bo.user["id"]))
    first = got["data"]["queue"][0]
    assert first["name"] == "Ana" and first["mode"] == "in_room" and first["since"] > 0
    assert not bo.has("hands")  # the queue is for staff
    snapshot = await moderator.call("session.join", {"session": S})
    assert [h["user"] for h in snapshot["hands"]] == [ana_phone.user["id"], bo.user["id"]]
    bo_tab = await Client.connect(event.server, bo_token)
    assert (await bo_tab.join(S))["my_hand"] is True
    for c in (moderator, speaker, ana_phone, ana_laptop, bo, bo_tab):
        await c.close()


async def test_hands_lowered_by_self_by_a_moderator_and_all_at_once(event: Event) -> None:
    moderator = await member(event.server, event.token("moderator"))
    people = [await member(event.server, event.token()) for _ in range(3)]
    for p in people:
        await p.call("hand.raise", {"session": S})
    await moderator.event("hands", lambda d: len(d["queue"]) == 3)
    assert await people[1].error("hand.lower", {"session": S, "user": people[0].user["id"]}) \
        == "forbidden"
    assert await people[1].call("hand.lower", {"session": S}) == {"lowered": True}
    assert await people[1].call("hand.lower", {"session": S}) == {"lowered": False}
    await moderator.call("hand.lower", {"session": S, "user": people[0].user["id"]})
    told = await people[0].event("hand", lambda d: not d["raised"])
    assert told["data"]["by"] == "moderator"
    assert await moderator.call("hand.clear", {"session": S}) == {"lowered": 1}
    await people[2].event("hand", lambda d: not d["raised"])
    await moderator.event("hands", queue_of())
    assert await people[0].error("hand.clear", {"session": S}) == "forbidden"
    for c in (moderator, *people):
        await c.close()


async def test_the_stage_grant_is_given_checked_and_ended(event: Event) -> None:
    moderator = await member(event.server, event.token("moderator"))
    ana = await member(event.server, event.token(name="Ana"))
    assert await publish_code(ana) == "forbidden"
    assert await moderator.error("stage.invite", {"session": S, "user": ana.user["id"]}) \
        == "not_found"  # no raised hand
    await ana.call("hand.raise", {"session": S})
    reply = await moderator.call("stage.invite", {"session": S, "user": ana.user["id"]})
    assert reply["stage"]["user"] == ana.user["id"] and reply["stage"]["name"] == "Ana"
    await ana.event("stage", stage_of(ana.user["id"]))
    await moderator.event("hands", queue_of())  # brought on stage: hand down
    assert await publish_code(ana) == "bad_request"  # allowed: only the offer is wrong
    assert await moderator.call("stage.end", {"session": S, "user": ana.user["id"]}) \
        == {"ended": True}
    await ana.event("stage", stage_of())
    assert await publish_code(ana) == "forbidden"
    for c in (moderator, ana):
        await c.close()


async def test_the_grant_ends_when_the_person_leaves_or_drops_on_any_process(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    moderator = await member(a, event.token("moderator"))
    token = event.token(name="Ana")
    phone, laptop = await member(b, token), await member(a, token)
    await phone.call("hand.raise", {"session": S})
    await moderator.event("hands", queue_of(phone.user["id"]))
    await moderator.call("stage.invite", {"session": S, "user": phone.user["id"]})
    await moderator.event("stage", stage_of(phone.user["id"]))
    assert await publish_code(laptop) == "bad_request"  # the grant is the person's
    await phone.close()  # one device gone: the person is still here, still on stage
    await laptop.call("session.leave", {"session": S})  # the last one leaves
    await moderator.event("stage", stage_of())
    again = await member(b, token)
    assert await publish_code(again) == "forbidden"
    await again.call("hand.raise", {"session": S})
    await moderator.call("stage.invite", {"session": S, "user": again.user["id"]})
    await moderator.event("stage", stage_of(again.user["id"]))
    await again.close()  # a disconnect ends it too
    await moderator.event("stage", stage_of())
    for c in (moderator, laptop):
        await c.close()
