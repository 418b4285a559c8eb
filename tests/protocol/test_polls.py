"""Polls over the protocol, on both backends, in process (tests/inproc.py): every kind, who
sees what and when, timers (the server's clock moved on), invalid votes changing nothing,
changed votes. On real processes: the report (HTTP) and, on two processes sharing one Redis,
ballot integrity under concurrent votes from many tabs and the timer outliving its opener."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from typing import Any

import pytest

from harness import Client, Event, RedisServer, Server, create_event, http

SESSION, OTHER = "opening", "open-floor"


# -- helpers ---------------------------------------------------------------------------------------
async def member(event: Event, role: str = "attendee", mode: str = "remote",
                 session: str = SESSION, name: str | None = None) -> Client:
    client = await Client.connect(event.server, event.token(role, name))
    await client.join(session, mode)
    return client


async def create(moderator: Client, kind: str = "single", **fields: Any) -> dict[str, Any]:
    if kind in ("single", "multiple"):
        fields.setdefault("options", ["Yes", "No", "Maybe"])
    data = {"session": SESSION, "title": "Are we resilient?", "kind": kind, **fields}
    return (await moderator.call("poll.create", data))["poll"]


async def started(moderator: Client, kind: str = "single", **fields: Any) -> dict[str, Any]:
    poll = await create(moderator, kind, **fields)
    return (await moderator.call("poll.open", {"poll": poll["id"]}))["poll"]


def results(poll: dict[str, Any], **fields: Any) -> Any:
    """Matches `poll.results` of this poll having these fields."""
    return lambda d: d["poll"] == poll["id"] and all(d[k] == v for k, v in fields.items())


def state(poll: dict[str, Any], value: str) -> Any:
    return lambda d: d["poll"]["id"] == poll["id"] and d["poll"]["state"] == value


async def settle(moderator: Client, *clients: Client) -> None:
    """A marker on the session topic: once every client has it, whatever was published on
    that topic before has arrived too (topics are ordered and gap-checked)."""
    await moderator.call("session.update", {"session": SESSION, "live": True})
    for client in (moderator, *clients):
        await client.event("session.updated")


async def close_all(*clients: Client) -> None:
    for client in clients:
        await client.close()


async def vote(client: Client, poll: dict[str, Any], **ballot: Any) -> dict[str, Any]:
    return await client.call("poll.vote", {"poll": poll["id"], **ballot})


async def final(moderator: Client, poll: dict[str, Any]) -> dict[str, Any]:
    """Close the poll; the reply holds the final results."""
    return (await moderator.call("poll.close", {"poll": poll["id"]}))["results"]


# -- the life of a poll ----------------------------------------------------------------------------
async def test_single_poll_from_draft_to_final_results(event: Event) -> None:
    mod = await member(event, "moderator")
    alice, bob = await member(event, mode="in_room"), await member(event)
    poll = await create(mod)
    assert poll["state"] == "draft" and poll["anonymous"] is True and poll["closes_at"] is None
    await mod.event("poll.state", state(poll, "draft"))
    await settle(mod, alice)
    assert not alice.has("poll.state")  # drafts are the moderators' own
    assert [p["id"] for p in (await mod.join(SESSION))["polls"]] == [poll["id"]]
    assert (await alice.join(SESSION, "in_room"))["polls"] == []

    opened = (await mod.call("poll.open", {"poll": poll["id"]}))["poll"]
    await alice.event("poll.state", state(poll, "open"))
    assert (await mod.call("poll.open", {"poll": poll["id"]}))["poll"] == opened  # idempotent
    assert (await vote(alice, poll, choices=[0])) == {"poll": poll["id"], "replaced": False}
    await vote(bob, poll, choices=[2])
    await vote(mod, poll, choices=[0])
    live = await bob.event("poll.results", results(poll, votes=3))
    assert live["topic"] == f"session:{SESSION}"
    assert live["data"]["tally"] == [2, 0, 1] and live["data"]["final"] is False
    assert live["data"]["by_mode"] == {
        "in_room": {"votes": 1, "tally": [1, 0, 0], "suppressed": False},
        "remote": {"votes": 2, "tally": [1, 0, 1], "suppressed": False}}

    closed = await final(mod, poll)
    assert closed["tally"] == [2, 0, 1] and closed["final"] is True
    await alice.event("poll.state", state(poll, "closed"))
    last = await alice.event("poll.results", results(poll, final=True))
    assert last["data"] == closed
    assert await alice.error("poll.vote", {"poll": poll["id"], "choices": [1]}) == "poll_closed"
    again = await mod.call("poll.close", {"poll": poll["id"]})  # idempotent
    assert again["results"] == closed and again["poll"]["state"] == "closed"
    assert await mod.error("poll.open", {"poll": poll["id"]}) == "conflict"
    await close_all(mod, alice, bob)


@pytest.mark.parametrize(("kind", "fields", "ballots", "tally"), [
    ("multiple", {"max_choices": 2}, [{"choices": [0, 2]}, {"choices": [2]}, {"choices": [1, 2]}],
     [1, 1, 3]),
    ("rating", {"scale": 4}, [{"rating": 4}, {"rating": 1}, {"rating": 4}],
     {"mean": 3.0, "histogram": [1, 0, 0, 2]}),
    ("text", {}, [{"text": "More breaks"}, {"text": " More breaks"}, {"text": "Coffee, please"}],
     {"answers": [{"text": "More breaks", "count": 2}, {"text": "Coffee, please", "count": 1}]}),
    ("ranking", {"options": ["A", "B"]}, [{"ranking": [1, 0]}, {"ranking": [1, 0]},
                                          {"ranking": [0, 1]}],
     {"ranks": [[1, 2], [2, 1]], "mean_rank": [1.67, 1.33]}),
    ("wordcloud", {}, [{"text": "Resilience"}, {"text": " resilience"}, {"text": "Hope"}],
     {"words": {"resilience": 2, "hope": 1}}),
])
async def test_every_kind_tallies(event: Event, kind: str, fields: dict[str, Any],
                                  ballots: list[dict[str, Any]], tally: Any) -> None:
    mod = await member(event, "moderator")
    voters = [await member(event, mode=m) for m in ("in_room", "remote", "remote")]
    poll = await started(mod, kind, **fields)
    for client, ballot in zip(voters, ballots, strict=True):
        await vote(client, poll, **ballot)
    seen = await voters[0].event("poll.results", results(poll, votes=3))
    assert seen["data"]["tally"] == tally
    assert seen["data"]["by_mode"]["in_room"]["votes"] == 1
    assert (await final(mod, poll))["tally"] == tally
    await close_all(mod, *voters)


async def test_by_mode_splits_rating_and_words(event: Event) -> None:
    mod = await member(event, "moderator")
    room = [await member(event, mode="in_room") for _ in range(2)]
    remote = await member(event, mode="remote")
    poll = await started(mod, "rating")
    for client, rating in ((room[0], 5), (room[1], 3), (remote, 1)):
        await vote(client, poll, rating=rating)
    result = await final(mod, poll)
    assert result["by_mode"] == {
        "in_room": {"votes": 2, "tally": {"mean": 4.0, "histogram": [0, 0, 1, 0, 1]},
                    "suppressed": False},
        "remote": {"votes": 1, "tally": {"mean": 1.0, "histogram": [1, 0, 0, 0, 0]},
                   "suppressed": False}}
    assert result["tally"] == {"mean": 3.0, "histogram": [1, 0, 1, 0, 1]}
    await close_all(mod, *room, remote)


# -- invalid votes change nothing ------------------------------------------------------------------
async def test_invalid_votes_are_refused_and_change_nothing(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    multi = await started(mod, "multiple", max_choices=2)
    rating = await started(mod, "rating")
    await vote(alice, multi, choices=[1])
    bad: dict[str, Any]
    for bad in ({"choices": [3]}, {"choices": [-1]}, {"choices": [0, 1, 2]}, {"choices": []},
                {"choices": [0, 0]}, {"rating": 2}, {"text": "x"}, {}, {"choices": "0"}):
        assert await mod.error("poll.vote", {"poll": multi["id"], **bad}) == "bad_request", bad
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": 2.5}, {"choices": [1]}):
        assert await mod.error("poll.vote", {"poll": rating["id"], **bad}) == "bad_request", bad
    assert await alice.error("poll.vote", {"poll": multi["id"], "choices": [0]}) == \
        "already_voted"
    assert await alice.error("poll.vote", {"poll": "no-such-poll", "choices": [0]}) == \
        "not_found"
    assert await alice.error("poll.vote", {"poll": "bad id!", "choices": [0]}) == "bad_request"
    assert await alice.error("poll.create", {"session": SESSION, "title": "Mine",
                                             "kind": "text"}) == "forbidden"
    for verb in ("poll.open", "poll.close", "poll.delete"):
        assert await alice.error(verb, {"poll": multi["id"]}) == "forbidden"
    draft = await create(mod)
    assert await alice.error("poll.vote", {"poll": draft["id"], "choices": [0]}) == "poll_closed"
    assert await mod.error("poll.close", {"poll": draft["id"]}) == "conflict"
    outsider = await member(event, session=OTHER)
    assert await outsider.error("poll.vote", {"poll": multi["id"], "choices": [0]}) == \
        "forbidden"
    assert (await final(mod, multi))["tally"] == [0, 1, 0]
    assert (await final(mod, rating))["votes"] == 0
    await close_all(mod, alice, outsider)


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "single", "options": ["Only"]}, "data.options"),
    ({"kind": "single"}, "data.options"),
    ({"kind": "rating", "scale": 11}, "data.scale"),
    ({"kind": "multiple", "options": ["A", "B"], "max_choices": 3}, "data.max_choices"),
    ({"kind": "poll"}, "data.kind"),
    ({"kind": "text", "results": "sometimes"}, "data.results"),
    ({"kind": "text", "duration_s": 0}, "data.duration_s"),
    ({"kind": "text", "min_responses": -1}, "data.min_responses"),
    ({"kind": "text", "colour": "red"}, "colour"),
])
async def test_invalid_polls_name_the_field(event: Event, fields: dict[str, Any],
                                            field: str) -> None:
    mod = await member(event, "moderator")
    reply = await mod.request("poll.create", {"session": SESSION, "title": "T", **fields})
    assert reply["type"] == "error" and reply["error"]["code"] == "bad_request"
    assert field in reply["error"]["message"]
    # The field is machine-readable too, so the client can say what to fix in its language.
    assert reply["error"].get("field") == (field[5:] if field.startswith("data.") else None)
    assert await mod.error("poll.create", {"session": "nowhere", "title": "T",
                                           "kind": "text"}) == "not_found"
    assert (await mod.join(SESSION))["polls"] == []
    await mod.close()


async def test_allow_change_replaces_the_first_vote_exactly(event: Event) -> None:
    mod = await member(event, "moderator")
    alice = await member(event, mode="in_room")
    bob = await member(event)
    poll = await started(mod, "multiple", allow_change=True)
    await vote(alice, poll, choices=[0, 1])
    await vote(bob, poll, choices=[1])
    alice_remote = await member(event, mode="remote", name=None)
    assert (await vote(alice, poll, choices=[2]))["replaced"] is True
    await mod.event("poll.results", results(poll, tally=[0, 1, 1]))
    result = await final(mod, poll)
    assert result["tally"] == [0, 1, 1] and result["votes"] == 2
    assert result["by_mode"]["in_room"] == {"votes": 1, "tally": [0, 0, 1], "suppressed": False}
    await close_all(mod, alice, bob, alice_remote)


# -- who sees results, and when --------------------------------------------------------------------
async def test_after_close_results_reach_attendees_only_once_closed(event: Event) -> None:
    mod, speaker = await member(event, "moderator"), await member(event, "speaker")
    alice, bob = await member(event), await member(event)
    poll = await started(mod, results="after_close")
    await vote(alice, poll, choices=[1])
    await vote(bob, poll, choices=[1])
    staff = await speaker.event("poll.results", results(poll, votes=2))
    assert staff["topic"] == f"session:{SESSION}:staff"
    await settle(mod, alice)
    assert not alice.has("poll.results")
    assert "outcome" not in (await bob.join(SESSION))["polls"][0]
    assert (await speaker.join(SESSION))["polls"][0]["outcome"]["votes"] == 2
    await final(mod, poll)
    shown = await alice.event("poll.results", results(poll, final=True))
    assert shown["data"]["tally"] == [0, 2, 0]
    assert (await bob.join(SESSION))["polls"][0]["outcome"]["tally"] == [0, 2, 0]
    await close_all(mod, speaker, alice, bob)


async def test_hidden_results_are_for_staff_only(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    poll = await started(mod, "wordcloud", results="hidden")
    await vote(alice, poll, text="Burnout")
    assert (await final(mod, poll))["tally"] == {"words": {"burnout": 1}}
    await mod.event("poll.results", results(poll, final=True))
    await settle(mod, alice)
    assert not alice.has("poll.results")
    assert alice.has("poll.state", state(poll, "closed"))
    snapshot = (await alice.join(SESSION))["polls"][0]
    assert "outcome" not in snapshot and snapshot["my_vote"] is True
    await close_all(mod, alice)


async def test_min_responses_hides_results_until_enough_answered(event: Event) -> None:
    mod = await member(event, "moderator")
    people = [await member(event) for _ in range(3)]
    poll = await started(mod, "rating", min_responses=3)
    assert poll["min_responses"] == 3
    for client in people[:2]:
        await vote(client, poll, rating=2)
    # Staff see "fewer than 3" too (an anonymous poll keeps no exact view for them).
    await mod.event("poll.results", results(poll, votes=None, suppressed=True))
    await settle(mod, *people)
    assert not any(c.has("poll.results") for c in people)
    assert "outcome" not in (await people[0].join(SESSION))["polls"][0]
    await vote(people[2], poll, rating=5)
    seen = await people[0].event("poll.results", results(poll, votes=3))
    assert seen["data"]["tally"]["histogram"] == [0, 2, 0, 0, 1]
    assert (await people[1].join(SESSION))["polls"][0]["outcome"]["votes"] == 3
    await close_all(mod, *people)


async def test_min_responses_still_hides_a_closed_poll_below_it(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    poll = await started(mod, results="after_close", min_responses=2)
    await vote(alice, poll, choices=[0])
    await final(mod, poll)
    await mod.event("poll.results", results(poll, final=True))
    await settle(mod, alice)
    assert not alice.has("poll.results")
    await close_all(mod, alice)


async def test_snapshot_says_whether_i_voted_not_what(event: Event) -> None:
    mod, alice, bob = await member(event, "moderator"), await member(event), await member(event)
    poll = await started(mod)
    await vote(alice, poll, choices=[1])
    mine = (await alice.join(SESSION))["polls"][0]
    assert mine["my_vote"] is True and mine["state"] == "open"
    assert "choices" not in mine and mine["outcome"]["votes"] == 1
    assert (await bob.join(SESSION))["polls"][0]["my_vote"] is False
    await close_all(mod, alice, bob)


# -- timers, deletion, report ----------------------------------------------------------------------
async def test_duration_closes_the_poll_on_time(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    poll = await started(mod, duration_s=1)
    assert poll["closes_at"] is not None and poll["duration_s"] == 1
    await vote(alice, poll, choices=[2])
    event.server.clock.advance(1)  # the server's clock: the poll's time is up
    closed = await alice.event("poll.state", state(poll, "closed"), timeout=15)
    assert closed["data"]["poll"]["closes_at"] == poll["closes_at"]
    last = await alice.event("poll.results", results(poll, final=True), timeout=15)
    assert last["data"]["tally"] == [0, 0, 1]
    await close_all(mod, alice)


async def test_delete_removes_a_poll(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    poll = await started(mod, duration_s=600)
    assert await mod.call("poll.delete", {"poll": poll["id"]}) == {}
    await alice.event("poll.removed", lambda d: d == {"poll": poll["id"]})
    assert await alice.error("poll.vote", {"poll": poll["id"], "choices": [0]}) == "not_found"
    assert await mod.error("poll.delete", {"poll": poll["id"]}) == "not_found"
    assert (await mod.join(SESSION))["polls"] == []
    draft = await create(mod)
    await mod.call("poll.delete", {"poll": draft["id"]})
    await mod.event("poll.removed", lambda d: d == {"poll": draft["id"]})
    await settle(mod, alice)
    assert not alice.has("poll.removed")  # nobody but staff knew the draft
    await close_all(mod, alice)


async def test_report_has_final_results_by_mode_and_named_ballots(socket_event: Event) -> None:
    event = socket_event  # its HTTP API too: a real process
    mod_token = event.token("moderator", "Mod")
    mod = await Client.connect(event.server, mod_token)
    await mod.join(SESSION)
    alice = await member(event, mode="in_room", name="Alice Zoë")
    bob = await member(event, name="Bob")
    secret = await started(mod, results="hidden")
    named = await started(mod, "wordcloud", anonymous=False)
    await vote(alice, secret, choices=[0])
    await vote(bob, secret, choices=[1])
    await vote(alice, named, text="Hope")
    await vote(bob, named, text=" hope ")
    await final(mod, secret)
    await final(mod, named)
    url = f"{event.server.http}/api/events/{event.id}/sessions/{SESSION}/report"
    status, report = http("GET", url + "?format=json", token=mod_token)
    assert status == 200, report
    first, second = report["polls"]
    assert first["outcome"]["by_mode"]["in_room"] == {"votes": 1, "tally": [1, 0, 0],
                                                      "suppressed": False}
    assert "ballots" not in first and "Alice" not in str(first)
    assert second["outcome"]["tally"] == {"words": {"hope": 2}}
    assert sorted((b["name"], b["mode"], b["vote"]["text"]) for b in second["ballots"]) == \
        [("Alice Zoë", "in_room", "Hope"), ("Bob", "remote", " hope ")]
    status, raw = http("GET", url + "?format=csv", token=mod_token, raw=True)
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["poll", "kind", "state", "option", "votes", "in_room", "remote"] in rows
    assert ["Are we resilient?", "single", "closed", "Yes", "1", "1", "0"] in rows
    assert ["Are we resilient?", "wordcloud", "closed", "hope", "2", "1", "1"] in rows
    await close_all(mod, alice, bob)


# -- thresholds and poll control (issue 14) ------------------------------------------------------
async def test_threshold_holds_on_every_half_for_attendees_staff_and_presenter(
        event: Event) -> None:
    """1 vote in the room and 2 online, threshold 3: the total shows to all, neither half
    to anyone (the in-room half would be one person's answer, and total minus the other)."""
    mod, speaker = await member(event, "moderator"), await member(event, "speaker")
    alice = await member(event, mode="in_room")
    bob, carol = await member(event), await member(event)
    poll = await started(mod, min_responses=3)
    for client, choice in ((alice, 0), (bob, 1), (carol, 1)):
        await vote(client, poll, choices=[choice])
    for client in (alice, mod, speaker):
        data = (await client.event("poll.results", results(poll, votes=3)))["data"]
        assert data["tally"] == [1, 2, 0]
        assert all(h["suppressed"] and h["tally"] is None for h in data["by_mode"].values())
    await settle(mod, speaker)
    assert not mod.has("poll.raw_results")  # anonymous: staff see no more than others
    snapshot = await speaker.join(SESSION)
    outcome = snapshot["polls"][0]["outcome"]
    assert outcome["by_mode"]["in_room"]["suppressed"] and "raw_outcome" not in snapshot["polls"][0]
    await close_all(mod, speaker, alice, bob, carol)


async def test_staff_see_below_threshold_only_where_the_creator_chose(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event, mode="in_room")
    poll = await started(mod, min_responses=3, staff_below_threshold=True)
    await vote(alice, poll, choices=[2])
    raw = (await mod.event("poll.raw_results", results(poll, votes=1)))["data"]
    assert raw["by_mode"]["in_room"]["tally"] == [0, 0, 1]
    shown = (await mod.event("poll.results", lambda d: d["poll"] == poll["id"]
                             and d["suppressed"]))["data"]
    assert shown["votes"] is None  # the event the presenter view draws from
    closed = await mod.call("poll.close", {"poll": poll["id"]})
    assert closed["results"]["suppressed"] and closed["raw_results"]["votes"] == 1
    assert (await mod.join(SESSION))["polls"][0]["raw_outcome"]["votes"] == 1
    assert "raw_outcome" not in (await alice.join(SESSION))["polls"][0]
    await close_all(mod, alice)


async def test_reveal_hide_and_reopen(event: Event) -> None:
    mod, alice, bob = await member(event, "moderator"), await member(event), await member(event)
    poll = await started(mod, results="hidden")
    await vote(alice, poll, choices=[0])
    shown = await mod.call("poll.visibility", {"poll": poll["id"], "results": "live"})
    assert shown["poll"]["results"] == "live"
    await alice.event("poll.state", lambda d: d["poll"]["results"] == "live")
    await alice.event("poll.results", results(poll, votes=1))
    await mod.call("poll.visibility", {"poll": poll["id"], "results": "hidden"})
    await final(mod, poll)
    assert await alice.error("poll.vote", {"poll": poll["id"], "choices": [1]}) == "poll_closed"
    again = await mod.call("poll.reopen", {"poll": poll["id"]})
    assert again["poll"]["state"] == "open"
    await bob.event("poll.state", state(poll, "open"))
    await vote(bob, poll, choices=[1])  # votes are kept; newcomers may vote
    assert await alice.error("poll.vote", {"poll": poll["id"], "choices": [1]}) == \
        "already_voted"
    assert (await final(mod, poll))["tally"] == [1, 1, 0]
    draft = await create(mod)
    assert await mod.error("poll.reopen", {"poll": draft["id"]}) == "conflict"
    assert await alice.error("poll.reopen", {"poll": poll["id"]}) == "forbidden"
    assert await mod.error("poll.visibility", {"poll": poll["id"], "results": "x"}) == \
        "bad_request"
    await close_all(mod, alice, bob)


async def test_named_ballots_in_the_report_read_as_option_texts(socket_event: Event) -> None:
    event = socket_event  # its HTTP API too: a real process
    mod_token = event.token("moderator", "Mod")
    mod = await Client.connect(event.server, mod_token)
    await mod.join(SESSION)
    alice = await member(event, name="Alice")
    poll = await started(mod, "multiple", anonymous=False)
    await vote(alice, poll, choices=[0, 2])
    await final(mod, poll)
    url = f"{event.server.http}/api/events/{event.id}/sessions/{SESSION}/report?format=csv"
    _, raw = http("GET", url, token=mod_token, raw=True)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert ["Are we resilient?", "Alice", "remote", "Yes; Maybe"] in rows
    await close_all(mod, alice)


# -- integrity across processes --------------------------------------------------------------------
async def test_concurrent_votes_on_two_processes_count_each_user_once(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    mod = await Client.connect(a, event.token("moderator"))
    await mod.join(SESSION)
    poll = await started(mod, "multiple", max_choices=2)
    users, tabs = 200, 3
    clients: list[list[Client]] = []
    for i in range(users):
        token = event.token("attendee", f"user {i}")
        count = tabs if i % 4 == 0 else 1  # every fourth user votes from three tabs at once
        mine = [await Client.connect(a if (i + t) % 2 else b, token) for t in range(count)]
        for t, client in enumerate(mine):
            await client.join(SESSION, "in_room" if (i + t) % 3 == 0 else "remote")
        clients.append(mine)

    def choices(i: int) -> list[int]:
        return [[0], [1], [2], [0, 2]][i % 4]

    async def one(client: Client, i: int) -> str:
        reply = await client.request("poll.vote", {"poll": poll["id"], "choices": choices(i)},
                                     timeout=60)
        return "ok" if reply["type"] == "ok" else str(reply["error"]["code"])

    outcomes = await asyncio.gather(*(one(c, i) for i, mine in enumerate(clients) for c in mine))
    per_user = Counter[int]()
    flat = [(i, c) for i, mine in enumerate(clients) for c in mine]
    for (i, _), outcome in zip(flat, outcomes, strict=True):
        assert outcome in ("ok", "already_voted"), outcome
        per_user[i] += outcome == "ok"
    assert set(per_user.values()) == {1} and len(per_user) == users
    expected = [0, 0, 0]
    for i in range(users):
        for choice in choices(i):
            expected[choice] += 1
    result = await final(mod, poll)
    assert result["votes"] == users and result["tally"] == expected
    assert sum(m["votes"] for m in result["by_mode"].values()) == users
    watchers = [clients[0][0], clients[1][0]]  # one on each process
    for watcher in watchers:
        last = await watcher.event("poll.results", results(poll, final=True), timeout=30)
        assert last["data"] == result
    await close_all(mod, *(c for mine in clients for c in mine))


async def test_the_timer_closes_a_poll_whose_opener_died(redis_server: RedisServer) -> None:
    opener, survivor = Server(redis_server.url).start(), Server(redis_server.url).start()
    try:
        event = create_event(survivor)
        mod = await Client.connect(opener, event.token("moderator"))
        await mod.join(SESSION)
        alice = await Client.connect(survivor, event.token("attendee"))
        await alice.join(SESSION)
        poll = await started(mod, duration_s=2)
        await vote(alice, poll, choices=[1])
        opener.stop()  # the process that set the timer is gone before it is due
        await alice.event("poll.state", state(poll, "closed"), timeout=20)
        last = await alice.event("poll.results", results(poll, final=True), timeout=20)
        assert last["data"]["tally"] == [0, 1, 0]
        await alice.close()
        await mod.wait_closed()
    finally:
        opener.stop()
        survivor.stop()
