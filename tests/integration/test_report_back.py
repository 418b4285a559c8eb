"""Breakout report-back into the plenary, on both backends: chosen reports shared with the
whole session (and in late joiners' snapshots), turned into a poll's options or Q&A items."""

from __future__ import annotations

from typing import Any

from harness import Client, Event

S = "opening"


async def round_with_reports(mod: Client) -> tuple[dict[str, Any], list[str]]:
    """A breakout of three rooms, two of which reported."""
    b = (await mod.call("breakout.create", {"session": S, "rooms": ["Red", "Blue", "Green"],
                                             "assign": "self"}))["breakout"]
    await mod.call("breakout.open", {"breakout": b["id"]})
    rooms = [r["id"] for r in b["rooms"]]
    await mod.call("breakout.report", {"room": rooms[0], "text": "Fund   the mentoring scheme"})
    await mod.call("breakout.report", {"room": rooms[2], "text": "Four-day week pilot"})
    return b, rooms


async def test_chosen_reports_are_shared_with_the_whole_session(event: Event) -> None:
    mod = await Client.connect(event.server, event.token("moderator", "Mod"))
    await mod.join(S)
    ana = await Client.connect(event.server, event.token())
    await ana.join(S)
    b, rooms = await round_with_reports(mod)
    assert await ana.error("breakout.share", {"breakout": b["id"], "rooms": [rooms[0]]}) \
        == "forbidden"
    assert await mod.error("breakout.share", {"breakout": b["id"], "rooms": [rooms[1]]}) \
        == "bad_request"  # Blue has no report
    await mod.call("breakout.share", {"breakout": b["id"], "rooms": [rooms[2], rooms[0]]})
    got = (await ana.event("breakout.shared"))["data"]
    assert [(r["name"], r["text"]) for r in got["reports"]] == [
        ("Red", "Fund   the mentoring scheme"), ("Green", "Four-day week pilot")]
    late = await Client.connect(event.server, event.token())
    assert (await late.join(S))["shared_reports"]["reports"] == got["reports"]
    for c in (mod, ana, late):
        await c.close()


async def test_reports_become_poll_options_or_questions_naming_their_room(event: Event) -> None:
    mod = await Client.connect(event.server, event.token("moderator", "Mod"))
    await mod.join(S)
    b, rooms = await round_with_reports(mod)
    chosen = {"breakout": b["id"], "rooms": [rooms[0], rooms[2]]}
    poll = (await mod.call("breakout.to_poll", {**chosen, "title": "Which idea first?"}))["poll"]
    assert poll["state"] == "draft" and poll["kind"] == "single"
    assert poll["options"] == ["Red: Fund the mentoring scheme", "Green: Four-day week pilot"]
    assert await mod.error("breakout.to_poll", {**chosen, "rooms": [rooms[0]], "title": "x"}) \
        == "bad_request"
    made = (await mod.call("breakout.to_questions", chosen))["questions"]
    assert [(q["source"], q["text"], q["status"], q["author"]) for q in made] == [
        ("Red", "Fund the mentoring scheme", "visible", None),
        ("Green", "Four-day week pilot", "visible", None)]
    listed = (await mod.join(S))["questions"]
    assert {q["id"] for q in listed} >= {q["id"] for q in made}
    await mod.close()
