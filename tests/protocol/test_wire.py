"""What goes on the wire is what the server's types say: every question, poll, results (as
shown, thresholds applied) and breakout a client receives (replies, events, snapshots)
converts back into its view Struct, which forbids unknown fields. A renamed or stray field
fails here."""

from __future__ import annotations

from typing import Any

import msgspec

from harness import Client, Event
from plenary.features.breakouts.rules import BreakoutView, RoomRef
from plenary.features.polls.rules import Poll, PollSeen, Shown
from plenary.features.qa.rules import QuestionView

S = "open-floor"


def typed(data: Any, kind: type[Any]) -> Any:
    return msgspec.convert(data, kind, strict=True)


async def test_questions_polls_results_and_breakouts_have_their_typed_shape(
        event: Event) -> None:
    mod = await Client.connect(event.server, event.token("moderator"))
    att = await Client.connect(event.server, event.token("attendee"))
    await mod.join(S)
    await att.join(S)
    asked = await att.call("qa.ask", {"session": S, "text": "Typed?"})
    mine = typed(asked["question"], QuestionView)
    assert mine.mine is True and mine.author is not None
    heard = typed((await mod.event("qa.question"))["data"]["question"], QuestionView)
    assert heard.mine is msgspec.UNSET and heard.id == mine.id

    poll = (await mod.call("poll.create", {"session": S, "title": "Q", "kind": "single",
                                           "options": ["a", "b"]}))["poll"]
    typed(poll, Poll)
    await mod.call("poll.open", {"poll": poll["id"]})
    await att.call("poll.vote", {"poll": poll["id"], "choices": [1]})
    results = typed((await mod.event("poll.results", lambda d: d["votes"] == 1))["data"],
                    Shown)
    assert results.tally == [0, 1] and results.final is False
    closed = await mod.call("poll.close", {"poll": poll["id"]})
    assert typed(closed["results"], Shown).final is True

    b = (await mod.call("breakout.create", {"session": S, "rooms": 2,
                                            "assign": "self"}))["breakout"]
    staff = typed(b, BreakoutView)
    assert staff.people is not msgspec.UNSET and staff.rooms[0].members == []
    await mod.call("breakout.open", {"breakout": b["id"]})
    public = typed((await att.event("breakout.state",
                                    lambda d: d["breakout"]["state"] == "open"))["data"]
                   ["breakout"], BreakoutView)
    assert public.rooms[0].members is msgspec.UNSET and public.people is msgspec.UNSET
    joined = await att.call("breakout.join", {"room": public.rooms[0].id})
    assert typed(joined["room"], RoomRef).id == public.rooms[0].id

    snapshot = await att.join(S)
    for q in snapshot["questions"]:
        typed(q, QuestionView)
    seen = [typed(p, PollSeen) for p in snapshot["polls"]]
    assert seen[0].my_vote is True and seen[0].outcome is not msgspec.UNSET
    shown = typed(snapshot["breakout"], BreakoutView)
    assert shown.my_room == RoomRef(public.rooms[0].id, public.rooms[0].name)
    assert shown.reports == []
    for c in (mod, att):
        await c.close()
