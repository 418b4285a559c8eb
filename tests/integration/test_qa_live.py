"""Q&A moderation for large audiences, on both backends: closing and reopening, edits marked,
similar-question hints, merges that move votes one per person, the dismissal notice, and
profanity held for review."""

from __future__ import annotations

from typing import Any

from harness import Client, Event

OPEN = "open-floor"  # unmoderated: questions are visible at once


async def member(event: Event, role: str = "attendee") -> Client:
    client = await Client.connect(event.server, event.token(role))
    await client.join(OPEN)
    return client


async def ask(client: Client, text: str) -> dict[str, Any]:
    return (await client.call("qa.ask", {"session": OPEN, "text": text}))["question"]  # type: ignore[no-any-return]


async def test_a_closed_qa_says_so_and_reopens(event: Event) -> None:
    moderator, ana = await member(event, "moderator"), await member(event)
    await moderator.call("session.update", {"session": OPEN, "qa_open": False})
    await ana.event("session.updated", lambda d: d["session"]["qa_open"] is False)
    assert await ana.error("qa.ask", {"session": OPEN, "text": "Anyone?"}) == "qa_closed"
    await moderator.call("session.update", {"session": OPEN, "qa_open": True})
    await ask(ana, "Anyone?")
    for c in (moderator, ana):
        await c.close()


async def test_an_edit_is_marked_and_reaches_everyone(event: Event) -> None:
    moderator, ana = await member(event, "moderator"), await member(event)
    q = await ask(ana, "Wat is teh plan?")
    assert q["edited"] is False
    assert await ana.error("qa.edit", {"question": q["id"], "text": "x"}) == "forbidden"
    edited = (await moderator.call("qa.edit", {"question": q["id"],
                                               "text": "What is the plan?"}))["question"]
    assert edited["text"] == "What is the plan?" and edited["edited"] is True
    got = await ana.event("qa.question", lambda d: d["question"]["edited"])
    assert got["data"]["question"]["text"] == "What is the plan?"
    for c in (moderator, ana):
        await c.close()


async def test_similar_questions_are_hinted_and_merged_moving_votes_once(event: Event) -> None:
    moderator = await member(event, "moderator")
    people = [await member(event) for _ in range(3)]
    first = await ask(people[0], "How do we stay resilient?")
    again = await ask(people[1], "how do we stay resilient as a team")
    assert first["similar_to"] is None and again["similar_to"] == first["id"]
    assert (await ask(people[2], "Where is lunch?"))["similar_to"] is None
    await people[1].call("qa.vote", {"question": first["id"], "up": True})
    for p in people[1:]:
        await p.call("qa.vote", {"question": again["id"], "up": True})
    merged = await moderator.call("qa.merge", {"question": again["id"], "into": first["id"]})
    assert merged == {"question": again["id"], "into": first["id"], "votes": 2}
    await people[0].event("qa.removed", lambda d: d["question"] == again["id"])
    await people[0].event("qa.votes", lambda d: d["votes"].get(first["id"]) == 2)
    assert (await people[1].event("qa.merged"))["data"] == {"question": again["id"],
                                                            "into": first["id"]}
    assert await moderator.error("qa.merge", {"question": first["id"], "into": first["id"]}) \
        == "bad_request"
    for c in (moderator, *people):
        await c.close()


async def test_the_author_hears_of_a_dismissal_and_profanity_waits(event: Event) -> None:
    moderator, ana = await member(event, "moderator"), await member(event)
    q = await ask(ana, "Off topic question")
    await moderator.call("qa.moderate", {"question": q["id"], "action": "dismiss"})
    assert (await ana.event("qa.dismissed"))["data"] == {"question": q["id"]}
    rude = await ask(ana, "Why is this so shit?")
    assert rude["status"] == "pending" and rude["flagged"] is True  # held in an open session
    got = await moderator.event("qa.question", lambda d: d["question"]["id"] == rude["id"])
    assert got["topic"] == f"session:{OPEN}:staff"
    for c in (moderator, ana):
        await c.close()
