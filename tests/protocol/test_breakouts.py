"""Breakout rooms over the protocol, on both backends, in process (tests/inproc.py): every
command, each role's rights, the timer (the server's clock moved on), moves and closes (with
people away), room chat and report-back. On real processes: what needs HTTP, and what
crosses two processes (races, moves decided elsewhere, the timer outliving its opener)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from harness import Client, Event, RedisServer, Server, create_event, http

S = "opening"


@contextlib.asynccontextmanager
async def people(event: Event, n: int, modes: list[str] | None = None
                 ) -> AsyncIterator[tuple[Client, list[Client]]]:
    """A moderator and `n` attendees, all in the session."""
    mod = await Client.connect(event.server, event.token("moderator", "Mod"))
    await mod.join(S)
    attendees = []
    for i in range(n):
        mode = modes[i] if modes else "remote"
        client = await Client.connect(event.server, event.token("attendee", f"Att {i}"))
        await client.join(S, mode)
        attendees.append(client)
    try:
        yield mod, attendees
    finally:
        for c in [mod, *attendees]:
            await c.close()


async def create(mod: Client, **data: Any) -> dict[str, Any]:
    reply = await mod.call("breakout.create", {"session": S, **data})
    return reply["breakout"]  # type: ignore[no-any-return]


async def moved_to(client: Client, timeout: float = 10) -> dict[str, Any] | None:
    event = await client.event("breakout.moved", timeout=timeout)
    return event["data"]["room"]  # type: ignore[no-any-return]


def track(client: Client, seqs: dict[str, int]) -> None:
    """Events may already have come in the reply's frame: never move a seq back."""
    for topic, seq in seqs.items():
        client.seqs.setdefault(topic, seq)


def room_ids(b: dict[str, Any]) -> list[str]:
    return [r["id"] for r in b["rooms"]]


async def self_select(mod: Client, capacity: int | None = None, rooms: int = 2
                      ) -> dict[str, Any]:
    b = await create(mod, rooms=rooms, assign="self",
                     **({"capacity": capacity} if capacity else {}))
    return (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]


async def snapshot_breakout(client: Client) -> Any:
    return (await client.join(S))["breakout"]


# -- create, open, auto spread ----------------------------------------------------------------
async def test_auto_spreads_present_attendees_evenly_and_moves_each(event: Event) -> None:
    async with people(event, 5) as (mod, atts):
        b = await create(mod, rooms=["Pay", "Ethics"])
        assert b["state"] == "draft" and [r["name"] for r in b["rooms"]] == ["Pay", "Ethics"]
        draft = await atts[0].event("breakout.state")
        assert draft["data"]["breakout"]["state"] == "draft"
        opened = (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]
        assert opened["state"] == "open"
        rooms = [await moved_to(a) for a in atts]
        assert sorted(Counter(r["id"] for r in rooms if r).values()) == [2, 3]
        assert sum(len(r["members"]) for r in opened["rooms"]) == 5  # moderator not placed
        state = await atts[0].event("breakout.state", where=lambda d: d["breakout"]["state"]
                                    == "open")
        assert sorted(r["count"] for r in state["data"]["breakout"]["rooms"]) == [2, 3]
        assert "members" not in state["data"]["breakout"]["rooms"][0]
        snap = await snapshot_breakout(atts[0])
        assert snap["my_room"] == rooms[0] and snap["state"] == "open"
        assert not mod.has("breakout.moved")


async def test_mixed_and_separate_rounds_treat_the_halves_of_the_audience(
        event: Event) -> None:
    modes = ["in_room", "in_room", "remote", "remote"]
    async with people(event, 4, modes) as (mod, atts):
        b = await create(mod, rooms=2, mix="separate")
        await mod.call("breakout.open", {"breakout": b["id"]})
        rooms = [await moved_to(a) for a in atts]
        assert rooms[0] == rooms[1] and rooms[2] == rooms[3] and rooms[0] != rooms[2]
        await mod.call("breakout.close", {"breakout": b["id"]})
        assert [await moved_to(a) for a in atts] == [None] * 4
        b = await create(mod, rooms=2, mix="mixed")
        await mod.call("breakout.open", {"breakout": b["id"]})
        rooms = [await moved_to(a) for a in atts]
        assert rooms[0] != rooms[1] and rooms[2] != rooms[3]


async def test_a_latecomer_is_placed_in_the_smallest_room(event: Event) -> None:
    async with people(event, 3) as (mod, _):
        b = await create(mod, rooms=2)
        opened = (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]
        smaller = min(opened["rooms"], key=lambda r: len(r["members"]))
        late = await Client.connect(event.server, event.token("attendee", "Late"))
        try:
            snap = await late.join(S)
            assert snap["breakout"]["my_room"] == {"id": smaller["id"], "name": smaller["name"]}
            assert (await moved_to(late))["id"] == smaller["id"]  # type: ignore[index]
            again = await late.join(S)  # rejoining keeps the seat
            assert again["breakout"]["my_room"]["id"] == smaller["id"]
            await mod.event("breakout.state", where=lambda d: sorted(
                r["count"] for r in d["breakout"]["rooms"]) == [2, 2])
        finally:
            await late.close()


async def test_a_round_can_reuse_the_previous_groups(event: Event) -> None:
    async with people(event, 4) as (mod, atts):
        first = await create(mod, rooms=2)
        await mod.call("breakout.open", {"breakout": first["id"]})
        before = [await moved_to(a) for a in atts]
        await mod.call("breakout.close", {"breakout": first["id"]})
        for a in atts:
            assert await moved_to(a) is None
        second = await create(mod, reuse=first["id"])
        assert [r["name"] for r in second["rooms"]] == ["Room 1", "Room 2"]
        await mod.call("breakout.open", {"breakout": second["id"]})
        after = [await moved_to(a) for a in atts]
        name_before = [r["name"] for r in before if r]
        assert [r["name"] for r in after if r] == name_before
        assert {r["id"] for r in after if r}.isdisjoint({r["id"] for r in before if r})


# -- manual and self-select -------------------------------------------------------------------
async def test_manual_assignment_before_and_while_open_moves_people(event: Event) -> None:
    async with people(event, 2) as (mod, (a, b_)):
        b = await create(mod, rooms=2, assign="manual")
        r1, r2 = room_ids(b)
        reply = await mod.call("breakout.assign",
                               {"breakout": b["id"], "user": a.user["id"], "room": r1})
        assert reply["breakout"]["rooms"][0]["members"] == [{"id": a.user["id"],
                                                             "name": "Att 0"}]
        assert not a.has("breakout.moved")
        await mod.call("breakout.open", {"breakout": b["id"]})
        assert (await moved_to(a))["id"] == r1  # type: ignore[index]
        await mod.call("breakout.assign", {"breakout": b["id"], "user": a.user["id"],
                                           "room": r2})
        assert (await moved_to(a))["id"] == r2  # type: ignore[index]
        await mod.call("breakout.assign", {"breakout": b["id"], "user": a.user["id"],
                                           "room": None})
        assert await moved_to(a) is None
        assert not b_.has("breakout.moved")


async def test_moderators_see_who_is_present_and_where_to_place_them(event: Event) -> None:
    async with people(event, 2, ["in_room", "remote"]) as (mod, (a, b_)):
        b = await create(mod, rooms=2, assign="manual")
        r1, _ = room_ids(b)
        ana, ben = a.user["id"], b_.user["id"]
        assert b["people"] == [{"id": ana, "name": "Att 0", "mode": "in_room", "room": None},
                               {"id": ben, "name": "Att 1", "mode": "remote", "room": None}]
        placed = await mod.call("breakout.assign", {"breakout": b["id"], "user": ana, "room": r1})
        assert [(p["id"], p["room"]) for p in placed["breakout"]["people"]] == [
            (ben, None), (ana, r1)]  # those still to place come first
        listed = await mod.call("breakout.people", {"breakout": b["id"]})
        assert listed == {"breakout": b["id"], "people": placed["breakout"]["people"]}
        # A reloaded moderator has the list in the snapshot; nobody else sees names.
        assert (await snapshot_breakout(mod))["people"] == listed["people"]
        for other in (a, b_):
            seen = await snapshot_breakout(other)
            assert "people" not in seen and all("members" not in r for r in seen["rooms"])
            assert await other.error("breakout.people", {"breakout": b["id"]}) == "forbidden"
        speaker = await Client.connect(event.server, event.token("speaker", "Spk"))
        late = await Client.connect(event.server, event.token("attendee", "Late"))
        try:
            assert await speaker.error("breakout.people", {"breakout": b["id"]}) == "forbidden"
            await speaker.join(S)
            await late.join(S)
            listed = await mod.call("breakout.people", {"breakout": b["id"]})
            assert {p["name"]: p["room"] for p in listed["people"]} == {
                "Att 0": r1, "Att 1": None, "Late": None, "Spk": None}
            # Open: the people not placed stay in the main session until a moderator moves them.
            await mod.call("breakout.open", {"breakout": b["id"]})
            assert (await moved_to(a))["id"] == r1  # type: ignore[index]
            await mod.call("breakout.assign", {"breakout": b["id"], "user": ben, "room": r1})
            assert (await moved_to(b_))["id"] == r1  # type: ignore[index]
            await mod.event("presence", where=lambda d: d["online"] == 5, timeout=15)
            await late.close()  # gone: off the list once the session counts them out
            await mod.event("presence", where=lambda d: d["online"] == 4, timeout=15)
            listed = await mod.call("breakout.people", {"breakout": b["id"]})
            assert {p["name"]: p["room"] for p in listed["people"]} == {
                "Att 0": r1, "Att 1": r1, "Spk": None}
            assert await mod.error("breakout.people", {"breakout": "b-000000000000"}) \
                == "not_found"
            assert await mod.error("breakout.people", {"breakout": b["id"], "x": 1}) \
                == "bad_request"
        finally:
            await speaker.close()
            await late.close()


async def test_self_select_joins_within_capacity_and_leaves(event: Event) -> None:
    async with people(event, 3) as (mod, (a, b_, c)):
        b = await self_select(mod, capacity=1)
        r1, r2 = room_ids(b)
        joined = await a.call("breakout.join", {"room": r1})
        assert joined["room"]["id"] == r1 and (await moved_to(a))["id"] == r1  # type: ignore[index]
        assert await b_.error("breakout.join", {"room": r1}) == "conflict"
        assert (await b_.call("breakout.join", {"room": r2}))["room"]["id"] == r2
        assert await c.error("breakout.join", {"room": r2}) == "conflict"
        assert await c.error("breakout.leave", {"room": r1}) == "bad_request"
        await a.call("breakout.leave", {"room": r1})
        assert await moved_to(a) is None
        assert (await c.call("breakout.join", {"room": r1}))["room"]["id"] == r1
        snap = await snapshot_breakout(mod)
        assert {r["id"]: len(r["members"]) for r in snap["rooms"]} == {r1: 1, r2: 1}


async def test_self_select_capacity_holds_under_races_across_processes(
        cluster: tuple[Server, Server]) -> None:
    first, second = cluster
    event = create_event(first)
    mod = await Client.connect(first, event.token("moderator"))
    others = [await Client.connect(first if i % 2 else second,
                                   event.token("attendee", f"Racer {i}")) for i in range(6)]
    try:
        for client in (mod, *others):
            await client.join(S)
        b = await self_select(mod, capacity=2)
        r1 = room_ids(b)[0]
        replies = await asyncio.gather(*[c.request("breakout.join", {"room": r1})
                                         for c in others])
        assert sorted(r["type"] for r in replies) == ["error"] * 4 + ["ok"] * 2
        assert {r["error"]["code"] for r in replies if r["type"] == "error"} == {"conflict"}
        snap = await snapshot_breakout(mod)
        assert len(snap["rooms"][0]["members"]) == 2
    finally:
        for client in (mod, *others):
            await client.close()


async def test_closing_a_draft_moves_nobody_and_frees_the_session(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await create(mod, rooms=2, assign="manual")
        await mod.call("breakout.assign", {"breakout": b["id"], "user": a.user["id"],
                                           "room": b["rooms"][0]["id"]})
        closed = (await mod.call("breakout.close", {"breakout": b["id"]}))["breakout"]
        assert closed["state"] == "closed" and closed["opened_at"] is None
        await a.event("breakout.state", where=lambda d: d["breakout"]["state"] == "closed")
        assert not a.has("breakout.moved")
        assert (await create(mod, rooms=1))["state"] == "draft"


# -- rooms: join, chat, presence, broadcast ---------------------------------------------------
async def test_room_chat_is_for_its_members_and_visiting_moderators(event: Event) -> None:
    async with people(event, 2) as (mod, (a, b_)):
        b = await self_select(mod)
        r1, r2 = room_ids(b)
        await a.call("breakout.join", {"room": r1})
        await b_.call("breakout.join", {"room": r2})
        joined = await a.call("room.join", {"room": r1})
        assert joined["members"] == [{"id": a.user["id"], "name": "Att 0", "online": True}]
        assert joined["topics"] == {f"room:{r1}": joined["topics"][f"room:{r1}"]}
        track(a, joined["topics"])
        await a.event("room.presence", where=lambda d: d["members"][0]["online"])
        assert await a.error("room.join", {"room": r2}) == "forbidden"
        assert await a.error("room.say", {"room": r2, "text": "hi"}) == "forbidden"
        assert await a.error("breakout.report", {"room": r2, "text": "x"}) == "forbidden"
        visit = await mod.call("room.join", {"room": r2})
        track(mod, visit["topics"])
        await b_.call("room.join", {"room": r2})
        said = await a.call("room.say", {"room": r1, "text": "  hello room one "})
        assert said["message"]["text"] == "hello room one"
        got = await a.event("room.message")
        assert got["data"]["message"]["user"] == {"id": a.user["id"], "name": "Att 0"}
        await b_.call("room.say", {"room": r2, "text": "room two here"})
        await mod.event("room.message", where=lambda d: d["room"] == r2)
        await b_.event("room.message", where=lambda d: d["room"] == r2)
        assert not b_.has("room.message", lambda d: d["room"] == r1)
        assert not mod.has("room.message", lambda d: d["room"] == r1)
        await mod.event("room.presence", where=lambda d: any(
            v["id"] == mod.user["id"] for v in d["visitors"]))


async def test_entering_a_room_shows_its_last_messages(event: Event) -> None:
    ana_token = event.token("attendee", "Ana")
    async with people(event, 1) as (mod, (b_,)):
        a = await Client.connect(event.server, ana_token)
        try:
            b = await self_select(mod)
            r1, r2 = room_ids(b)
            await a.join(S)
            await a.call("breakout.join", {"room": r1})
            await b_.call("breakout.join", {"room": r2})
            assert (await a.call("room.join", {"room": r1}))["messages"] == []
            sent = []
            for i in range(55):  # 30 a minute each at most: the moderator says the rest
                who = a if i < 30 else mod
                said = await who.call("room.say", {"room": r1, "text": f"m{i}"})
                sent.append(said["message"])
                if i == 10:  # a broadcast is part of the chat; other room events are not
                    await mod.call("breakout.broadcast", {"breakout": b["id"], "text": "hi"})
                    sent.append({"broadcast": True, "text": "hi"})
                    await a.call("breakout.report", {"room": r1, "text": "draft"})
            await b_.call("room.say", {"room": r2, "text": "elsewhere"})
        finally:
            await a.close()
        reloaded = await Client.connect(event.server, ana_token)
        try:
            await reloaded.join(S)
            entered = await reloaded.call("room.join", {"room": r1})
        finally:
            await reloaded.close()
        chat = [m for m in entered["messages"] if not m.get("broadcast")]
        assert chat == [m for m in sent[-50:] if not m.get("broadcast")]
        assert [m["text"] for m in entered["messages"]] == [m["text"] for m in sent[-50:]]
        assert entered["messages"][0]["text"] == "m6" and entered["messages"][5]["broadcast"]
        assert entered["messages"][-1]["user"] == {"id": mod.user["id"], "name": "Mod"}
        other = await b_.call("room.join", {"room": r2})
        assert [m["text"] for m in other["messages"]] == ["hi", "elsewhere"]  # to every room

async def test_broadcast_reaches_every_room(event: Event) -> None:
    async with people(event, 2) as (mod, (a, b_)):
        b = await self_select(mod)
        r1, r2 = room_ids(b)
        for client, room in ((a, r1), (b_, r2)):
            await client.call("breakout.join", {"room": room})
            await client.call("room.join", {"room": room})
        reply = await mod.call("breakout.broadcast", {"breakout": b["id"],
                                                      "text": "Five minutes left"})
        assert reply == {"rooms": 2}
        for client, room in ((a, r1), (b_, r2)):
            got = await client.event("breakout.message")
            assert got["data"]["text"] == "Five minutes left" and got["data"]["room"] == room
            assert got["topic"] == f"room:{room}"
        # A reload (room.join again) finds the broadcast in the room's history, once.
        again = await a.call("room.join", {"room": r1})
        lines = [m for m in again["messages"] if m.get("broadcast")]
        assert [m["text"] for m in lines] == ["Five minutes left"] and lines[0]["id"]


async def test_leaving_a_room_topic_stops_its_chat(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await self_select(mod)
        r1 = room_ids(b)[0]
        await a.call("breakout.join", {"room": r1})
        await a.call("room.join", {"room": r1})
        await a.call("room.leave", {"room": r1})
        assert await a.error("room.leave", {"room": r1}) == "bad_request"
        await mod.call("room.join", {"room": r1})
        await a.call("room.say", {"room": r1, "text": "anyone?"})
        await mod.event("room.message")
        await mod.call("room.say", {"room": r1, "text": "yes"})
        await mod.event("room.message", where=lambda d: d["message"]["text"] == "yes")
        assert not a.has("room.message")


async def test_a_member_moved_out_of_a_room_stops_hearing_it(event: Event) -> None:
    async with people(event, 2) as (mod, (a, b_)):
        await moved_out_of_room(event.server, event.server, mod, a, b_)


async def test_a_move_decided_on_another_process_unsubscribes_there(
        cluster: tuple[Server, Server]) -> None:
    first, second = cluster
    event = create_event(first)
    mod = await Client.connect(first, event.token("moderator"))
    a = await Client.connect(second, event.token("attendee", "Att 0"))
    b_ = await Client.connect(second, event.token("attendee", "Att 1"))
    try:
        for client in (mod, a, b_):
            await client.join(S)
        await moved_out_of_room(first, second, mod, a, b_)
    finally:
        for client in (mod, a, b_):
            await client.close()


async def moved_out_of_room(first: Server, second: Server, mod: Client, a: Client,
                            b_: Client) -> None:
    b = await create(mod, rooms=2, assign="manual")
    r1, r2 = room_ids(b)
    for client, room in ((a, r1), (b_, r1)):
        await mod.call("breakout.assign", {"breakout": b["id"], "user": client.user["id"],
                                           "room": room})
    await mod.call("breakout.open", {"breakout": b["id"]})
    for client in (a, b_):
        assert (await moved_to(client))["id"] == r1  # type: ignore[index]
        await client.call("room.join", {"room": r1})
    await mod.call("breakout.assign", {"breakout": b["id"], "user": a.user["id"], "room": r2})
    assert (await moved_to(a))["id"] == r2  # type: ignore[index]
    await a.event("room.presence", where=lambda d: d["room"] == r1 and len(d["members"]) == 1)
    await b_.call("room.say", {"room": r1, "text": "only for room one"})
    await b_.event("room.message")
    await a.call("room.join", {"room": r2})
    await a.call("room.say", {"room": r2, "text": "I am in room two"})
    await a.event("room.message", where=lambda d: d["room"] == r2)
    assert not a.has("room.message", lambda d: d["room"] == r1)
    assert await a.error("room.say", {"room": r1, "text": "back?"}) == "forbidden"


async def test_room_topics_resume_only_for_members_in_the_session(event: Event) -> None:
    async with people(event, 2) as (mod, (a, b_)):
        b = await self_select(mod)
        r1 = room_ids(b)[0]
        await a.call("breakout.join", {"room": r1})
        outsider = await Client.connect(event.server, event.token("attendee", "Out"))
        assert await outsider.error("room.join", {"room": r1}) == "forbidden"
        visitor = await Client.connect(event.server, event.token("moderator", "Visitor"))
        assert await visitor.error("room.join", {"room": r1}) == "forbidden"  # no session
        await visitor.close()
        await outsider.close()
        sneaky = await Client.connect(event.server, _same_user_token(event, b_),
                                      resume={f"room:{r1}": 0})
        assert sneaky.hello["resumed"] == {f"room:{r1}": False}
        member = await Client.connect(event.server, _same_user_token(event, a),
                                      resume={f"room:{r1}": 0, f"session:{S}": 0})
        assert member.hello["resumed"] == {f"room:{r1}": True, f"session:{S}": True}
        await a.call("room.say", {"room": r1, "text": "hello again"})
        await member.event("room.message", where=lambda d: d["message"]["text"] == "hello again")
        assert not sneaky.has("room.message")
        await member.close()
        await sneaky.close()


# -- report-back -------------------------------------------------------------------------------
async def test_reports_reach_moderators_are_editable_until_close_and_in_the_report(
        socket_event: Event) -> None:
    event = socket_event  # its HTTP API too: a real process
    async with people(event, 1) as (mod, (a,)):
        b = await self_select(mod)
        r1 = room_ids(b)[0]
        await a.call("breakout.join", {"room": r1})
        await a.call("breakout.report", {"room": r1, "text": "Pay transparency first."})
        got = await mod.event("breakout.reports")
        assert got["topic"] == f"session:{S}:staff"
        assert got["data"]["reports"][0]["report"]["text"] == "Pay transparency first."
        await a.call("breakout.report", {"room": r1, "text": "=Pay transparency, then ethics."})
        await mod.event("breakout.reports", where=lambda d: d["reports"][0]["report"]["text"]
                        .startswith("=Pay"))
        assert not a.has("breakout.reports")
        await mod.call("breakout.close", {"breakout": b["id"]})
        assert await a.error("breakout.report", {"room": r1, "text": "late"}) == "conflict"
        token = event.token("moderator")
        url = f"{event.server.http}/api/events/{event.id}/sessions/{S}/report"
        status, report = http("GET", url, token=token)
        assert status == 200
        room = report["breakouts"][0]["rooms"][0]
        assert room["report"]["text"] == "=Pay transparency, then ethics."
        assert room["members"] == [{"id": a.user["id"], "name": "Att 0"}]
        status, csv = http("GET", url + "?format=csv", token=token, raw=True)
        assert status == 200 and "'=Pay transparency, then ethics." in csv.decode()


async def test_a_reloaded_moderator_sees_the_reports_and_a_member_their_own(
        event: Event) -> None:
    async with people(event, 3) as (mod, (a, b_, c_)):
        b = await self_select(mod)
        r1, r2 = room_ids(b)
        await a.call("breakout.join", {"room": r1})
        await b_.call("breakout.join", {"room": r2})
        await a.call("breakout.report", {"room": r1, "text": "One: quiet rooms."})
        await b_.call("breakout.report", {"room": r2, "text": "Two: flexible hours."})
        await mod.event("breakout.reports", where=lambda d: len(d["reports"]) == 2)
        texts = {r1: "One: quiet rooms.", r2: "Two: flexible hours."}

        def shown(reports: list[dict[str, Any]]) -> dict[str, str]:
            return {r["room"]["id"]: r["report"]["text"] for r in reports}

        reloaded = await Client.connect(event.server, event.token("moderator", "Mod"))
        speaker = await Client.connect(event.server, event.token("speaker", "Spk"))
        try:
            assert shown((await snapshot_breakout(reloaded))["reports"]) == texts
            assert shown((await snapshot_breakout(speaker))["reports"]) == texts
        finally:
            await reloaded.close()
            await speaker.close()
        assert shown((await snapshot_breakout(a))["reports"]) == {r1: texts[r1]}
        assert shown((await snapshot_breakout(b_))["reports"]) == {r2: texts[r2]}
        assert (await snapshot_breakout(c_))["reports"] == []  # in no room: none


# -- timer --------------------------------------------------------------------------------------
async def test_the_timer_warns_then_closes_and_sends_everyone_back(event: Event) -> None:
    async with people(event, 2) as (mod, atts):
        b = await create(mod, rooms=2, duration_s=2)
        opened = (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]
        closing = await atts[0].event("breakout.closing")
        assert closing["data"] == {"breakout": b["id"], "ends_at": opened["ends_at"]}
        for a in atts:
            assert await moved_to(a) is not None
        assert not atts[0].has("breakout.state", lambda d: d["breakout"]["state"] == "closed")
        event.server.clock.advance(2)  # the server's clock: the timer is due
        closed = await atts[0].event("breakout.state", timeout=15,
                                     where=lambda d: d["breakout"]["state"] == "closed")
        assert closed["data"]["breakout"]["closed_at"] >= opened["ends_at"] - 200
        for a in atts:
            assert await moved_to(a) is None
        assert (await snapshot_breakout(atts[0])) is None


async def test_extending_moves_the_end_for_everyone(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await create(mod, rooms=1, duration_s=2)
        opened = (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]
        extended = (await mod.call("breakout.extend", {"breakout": b["id"],
                                                       "seconds": 3}))["breakout"]
        assert extended["ends_at"] == opened["ends_at"] + 3000
        seen = await a.event("breakout.state", where=lambda d: d["breakout"]["ends_at"]
                             == extended["ends_at"])
        assert seen["data"]["breakout"]["state"] == "open"
        event.server.clock.advance(2.5)  # past the first end: the old close job finds it moved
        await mod.call("breakout.people", {"breakout": b["id"]})  # a round trip: still open
        assert (await snapshot_breakout(a))["state"] == "open"
        event.server.clock.advance(3)
        closed = await a.event("breakout.state", timeout=20,
                               where=lambda d: d["breakout"]["state"] == "closed")
        assert closed["data"]["breakout"]["closed_at"] >= extended["ends_at"] - 200
        assert await a.error("breakout.extend", {"breakout": b["id"],
                                                 "minutes": 1}) == "forbidden"
        assert await mod.error("breakout.extend", {"breakout": b["id"],
                                                   "minutes": 1}) == "conflict"


# -- close with people away ---------------------------------------------------------------------
async def test_someone_away_at_close_resumes_back_in_the_main_session(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await create(mod, rooms=1)
        await mod.call("breakout.open", {"breakout": b["id"]})
        room = await moved_to(a)
        assert room is not None
        joined = await a.call("room.join", {"room": room["id"]})
        track(a, joined["topics"])
        resume = dict(a.seqs)
        assert set(resume) == {f"session:{S}", f"user:{a.user['id']}", f"room:{room['id']}"}
        await a.close()
        await mod.call("breakout.close", {"breakout": b["id"]})
        again = await Client.connect(event.server, _same_user_token(event, a), resume=resume)
        try:
            assert again.hello["resumed"] == {f"session:{S}": True, f"room:{room['id']}": False,
                                              f"user:{a.user['id']}": True}
            assert await moved_to(again) is None
            state = await again.event("breakout.state")
            assert state["data"]["breakout"]["state"] == "closed"
            assert await again.error("room.join", {"room": room["id"]}) == "conflict"
        finally:
            await again.close()


async def test_someone_away_at_close_rejoins_with_no_room(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await create(mod, rooms=1)
        await mod.call("breakout.open", {"breakout": b["id"]})
        assert await moved_to(a) is not None
        await a.close()
        await mod.call("breakout.close", {"breakout": b["id"]})
        again = await Client.connect(event.server, _same_user_token(event, a))
        try:
            assert (await again.join(S))["breakout"] is None
        finally:
            await again.close()


def _same_user_token(event: Event, client: Client) -> str:
    from harness import SECRET
    from plenary.auth import issue_token
    from plenary.messages import Role

    return issue_token(SECRET, event=event.id, name=client.user["name"], role=Role.attendee,
                       ttl_s=600, user_id=client.user["id"])


# -- rights and invalid input -------------------------------------------------------------------
async def test_attendees_cannot_run_breakouts(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await create(mod, rooms=2, assign="manual")
        which = {"breakout": b["id"]}
        for kind, data in (("breakout.create", {"session": S, "rooms": 2}),
                           ("breakout.assign", {**which, "user": a.user["id"],
                                                "room": b["rooms"][0]["id"]}),
                           ("breakout.open", which), ("breakout.extend", {**which, "seconds": 5}),
                           ("breakout.broadcast", {**which, "text": "hi"}),
                           ("breakout.close", which)):
            assert await a.error(kind, data) == "forbidden", kind
        snap = await snapshot_breakout(mod)
        assert snap["state"] == "draft" and all(not r["members"] for r in snap["rooms"])


async def test_a_speaker_is_no_moderator_here(event: Event) -> None:
    speaker = await Client.connect(event.server, event.token("speaker"))
    try:
        assert await speaker.error("breakout.create", {"session": S, "rooms": 2}) == "forbidden"
    finally:
        await speaker.close()


async def test_invalid_input_is_refused_and_changes_nothing(socket_event: Event) -> None:
    event = socket_event  # its HTTP API too: a real process
    async with people(event, 1) as (mod, (a,)):
        bad = [
            ({"session": S, "rooms": 0}, "bad_request"),
            ({"session": S, "rooms": 51}, "bad_request"),
            ({"session": S, "rooms": ["A", "a"]}, "bad_request"),
            ({"session": S, "rooms": ["  "]}, "bad_request"),
            ({"session": S}, "bad_request"),
            ({"session": S, "rooms": 2, "assign": "random"}, "bad_request"),
            ({"session": S, "rooms": 2, "capacity": 0}, "bad_request"),
            ({"session": S, "rooms": 2, "duration_s": -5}, "bad_request"),
            ({"session": S, "rooms": 2, "colour": "red"}, "bad_request"),
            ({"session": S, "rooms": 2, "assign": "self", "mix": "separate"}, "bad_request"),
            ({"session": S, "rooms": "2"}, "bad_request"),
            ({"session": "nope", "rooms": 2}, "not_found"),
            ({"session": S, "reuse": "b-missing"}, "not_found"),
        ]
        for data, code in bad:
            assert await mod.error("breakout.create", data) == code, data
        assert await snapshot_breakout(mod) is None
        b = await create(mod, rooms=2, assign="manual")
        assert await mod.error("breakout.create", {"session": S, "rooms": 2}) == "conflict"
        assert await mod.error("breakout.create", {"session": S, "reuse": b["id"]}) in (
            "conflict", "bad_request")
        which = {"breakout": b["id"]}
        r1 = b["rooms"][0]["id"]
        refused = [
            ("breakout.assign", {**which, "user": "u-nobody", "room": r1}, "not_found"),
            ("breakout.assign", {**which, "user": a.user["id"], "room": "r-nope"}, "not_found"),
            ("breakout.assign", {"breakout": "b-x", "user": a.user["id"], "room": r1},
             "not_found"),
            ("breakout.assign", {**which, "user": a.user["id"]}, "bad_request"),
            ("breakout.open", {"breakout": "bad id!"}, "bad_request"),
            ("breakout.extend", {**which, "seconds": 5}, "conflict"),
            ("breakout.extend", {**which, "seconds": 5, "minutes": 1}, "bad_request"),
            ("breakout.extend", {**which}, "bad_request"),
            ("breakout.extend", {**which, "seconds": 0}, "bad_request"),
            ("breakout.broadcast", {**which, "text": "hi"}, "conflict"),
            ("breakout.broadcast", {**which, "text": "   "}, "bad_request"),
            ("room.join", {"room": r1}, "conflict"),
            ("room.say", {"room": "r-nope", "text": "hi"}, "not_found"),
        ]
        # A fresh connection: each has its own budget of commands per second.
        mod2 = await Client.connect(event.server, event.token("moderator"))
        for kind, data, code in refused:
            assert await mod2.error(kind, data) == code, (kind, data)
        await mod2.close()
        assert await a.error("breakout.join", {"room": r1}) == "conflict"  # not self-select
        await mod.call("breakout.open", which)
        assert await mod.error("breakout.open", which) == "conflict"
        assert await mod.error("breakout.broadcast", {**which, "text": "x" * 1001}) \
            == "bad_request"
        await mod.call("breakout.assign", {**which, "user": a.user["id"], "room": r1})
        assert await a.error("room.say", {"room": r1, "text": ""}) == "bad_request"
        assert await a.error("room.say", {"room": r1, "text": "x" * 1001}) == "bad_request"
        assert await a.error("breakout.report", {"room": r1, "text": " "}) == "bad_request"
        await mod.call("breakout.close", which)
        assert await mod.error("breakout.close", which) == "conflict"
        assert await mod.error("breakout.assign", {**which, "user": a.user["id"],
                                                   "room": r1}) == "conflict"
        assert await a.error("room.join", {"room": r1}) == "conflict"
        assert not a.has("room.message")
        report = http("GET", f"{event.server.http}/api/events/{event.id}/sessions/{S}/report",
                      token=event.token("moderator"))[1]
        assert report["breakouts"][0]["rooms"][0]["report"] is None


async def test_chat_is_rate_limited_per_person_across_tabs(event: Event) -> None:
    async with people(event, 1) as (mod, (a,)):
        b = await self_select(mod)
        r1 = room_ids(b)[0]
        await a.call("breakout.join", {"room": r1})
        # Two tabs of one person (each connection also has its own per-second budget).
        tab = await Client.connect(event.server, _same_user_token(event, a))
        clock = event.server.clock  # a burst must not straddle two minute windows
        clock.advance(60 - clock.time() % 60 + 0.01)
        try:
            for client, n in ((a, 15), (tab, 15)):
                for i in range(n):
                    await client.call("room.say", {"room": r1, "text": f"m{i}"})
            assert await tab.error("room.say", {"room": r1, "text": "one too many"}) \
                == "rate_limited"
        finally:
            await tab.close()


# -- any process serves anyone; the timer outlives the opener -----------------------------------
async def test_the_timer_closes_rooms_after_the_opener_died(redis_server: RedisServer) -> None:
    first, second = Server(redis_server.url).start(), Server(redis_server.url).start()
    event = create_event(first)
    mod = await Client.connect(first, event.token("moderator"))
    att = await Client.connect(second, event.token("attendee", "Far"))
    try:
        await mod.join(S)
        await att.join(S)
        b = await create(mod, rooms=2, duration_s=2)
        await mod.call("breakout.open", {"breakout": b["id"]})
        room = await moved_to(att)
        assert room is not None
        joined = await att.call("room.join", {"room": room["id"]})
        assert joined["members"][0]["id"] == att.user["id"]
        await mod.close()
        first.stop()
        closed = await att.event("breakout.state", timeout=20,
                                 where=lambda d: d["breakout"]["state"] == "closed")
        assert closed["data"]["breakout"]["id"] == b["id"]
        assert await moved_to(att) is None
        await att.event("room.closed", where=lambda d: d["room"] == room["id"])
        assert await att.error("room.say", {"room": room["id"], "text": "hi"}) == "conflict"
    finally:
        await att.close()
        first.stop()
        second.stop()
