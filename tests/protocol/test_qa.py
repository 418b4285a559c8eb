"""Live Q&A over the protocol, on both backends, in process (tests/inproc.py): who sees what,
votes, moderation, abuse and rate limits (the server's clock moved to a new minute). On real
processes: the report (HTTP), one vote per user across processes, and questions surviving a
restart of every server process."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from harness import Client, Event, RedisServer, Server, create_event, http
from inproc import InProcServer, TravelClock
from inproc import create_event as create_inproc_event

MODERATED, OPEN = "opening", "open-floor"


async def member(event: Event, role: str = "attendee", session: str = MODERATED,
                 mode: str = "remote", name: str | None = None,
                 token: str | None = None) -> Client:
    client = await Client.connect(event.server, token or event.token(role, name))
    await client.join(session, mode)
    return client


def about(qid: str, **fields: Any) -> Any:
    """Matches a `qa.question` or `qa.removed` about one question (with these fields)."""
    def match(data: dict[str, Any]) -> bool:
        q = data["question"]
        if isinstance(q, str):
            return q == qid and not fields
        return q["id"] == qid and all(q.get(k) == v for k, v in fields.items())
    return match


async def settle(moderator: Client, session: str, *clients: Client) -> None:
    """Publish a marker on the session topic and wait until every client has it: whatever
    was published on that topic before has arrived too (topics are ordered, gap-checked)."""
    await moderator.call("session.update", {"session": session, "live": True})
    for client in (moderator, *clients):
        await client.event("session.updated")


async def ask(client: Client, session: str, text: str = "How do we stay resilient?",
              **extra: Any) -> dict[str, Any]:
    reply = await client.call("qa.ask", {"session": session, "text": text, **extra})
    return reply["question"]


async def close(*clients: Client) -> None:
    for client in clients:
        await client.close()


# -- each role's view --------------------------------------------------------------------------
async def test_unmoderated_question_reaches_everyone_with_mode_and_text_verbatim(
        event: Event) -> None:
    asker = await member(event, session=OPEN, mode="in_room", name="Zoë Müller")
    other = await member(event, session=OPEN)
    moderator = await member(event, "moderator", session=OPEN)
    speaker = await member(event, "speaker", session=OPEN)
    text = "  <b>Why</b> & how? <script>alert(1)</script>  "
    q = await ask(asker, OPEN, text)
    assert q["status"] == "visible" and q["mine"] is True and q["mode"] == "in_room"
    assert q["text"] == text.strip()  # data, never markup: the client renders it as text
    assert q["author"] == {"id": asker.user["id"], "name": "Zoë Müller"}
    assert q["votes"] == 0 and q["pinned"] is False and q["answer"] is None
    for client in (other, moderator, speaker, asker):
        seen = await client.event("qa.question", about(q["id"]))
        assert seen["topic"] == f"session:{OPEN}"
        assert seen["data"]["question"] == {k: v for k, v in q.items() if k != "mine"}
    late = await member(event, session=OPEN)
    snapshot = await late.join(OPEN)
    assert [x["id"] for x in snapshot["questions"]] == [q["id"]]
    assert "mine" not in snapshot["questions"][0]
    mine = await asker.join(OPEN)
    assert mine["questions"][0]["mine"] is True
    await close(asker, other, moderator, speaker, late)


async def test_moderated_question_stays_with_its_author_and_staff_until_approved(
        event: Event) -> None:
    token = event.token("attendee", "Asker")
    asker = await member(event, token=token)
    second_tab = await Client.connect(event.server, token)  # not in the session
    other = await member(event)
    moderator = await member(event, "moderator")
    speaker = await member(event, "speaker")
    q = await ask(asker, MODERATED)
    assert q["status"] == "pending"
    for client in (moderator, speaker):
        seen = await client.event("qa.question", about(q["id"], status="pending"))
        assert seen["topic"] == f"session:{MODERATED}:staff"
    for client in (asker, second_tab):
        seen = await client.event("qa.question", about(q["id"], status="pending"))
        assert seen["topic"] == f"user:{asker.user['id']}"
        assert "mine" not in seen["data"]["question"]
    assert (await other.join(MODERATED))["questions"] == []
    assert [x["id"] for x in (await speaker.join(MODERATED))["questions"]] == [q["id"]]
    pending = (await asker.join(MODERATED))["questions"]
    assert [(x["id"], x["status"], x["mine"]) for x in pending] == [(q["id"], "pending", True)]
    await settle(moderator, MODERATED, other)
    assert not other.has("qa.question")

    approved = await moderator.call("qa.moderate", {"question": q["id"], "action": "approve"})
    assert approved["question"]["status"] == "visible"
    for client in (other, asker, speaker):
        seen = await client.event("qa.question", about(q["id"], status="visible"))
        assert seen["topic"] == f"session:{MODERATED}"
    assert [x["id"] for x in (await other.join(MODERATED))["questions"]] == [q["id"]]
    await close(asker, second_tab, other, moderator, speaker)


async def test_a_dismissed_question_never_reaches_attendees(event: Event) -> None:
    asker = await member(event)
    other = await member(event)
    moderator = await member(event, "moderator")
    pending = await ask(asker, MODERATED, "Off topic")
    await moderator.call("qa.moderate", {"question": pending["id"], "action": "dismiss"})
    removed = await asker.event("qa.removed", about(pending["id"]))
    assert removed["topic"] == f"user:{asker.user['id']}"
    await moderator.event("qa.question", about(pending["id"], status="dismissed"))
    # A public question dismissed later disappears for everyone but the staff.
    public = await ask(asker, MODERATED, "On topic")
    await moderator.call("qa.moderate", {"question": public["id"], "action": "approve"})
    await other.event("qa.question", about(public["id"], status="visible"))
    await moderator.call("qa.moderate", {"question": public["id"], "action": "dismiss"})
    await other.event("qa.removed", about(public["id"]))
    await moderator.event("qa.question", about(public["id"], status="dismissed"))
    await settle(moderator, MODERATED, other, asker)
    assert not other.has("qa.question")
    assert not asker.has("qa.question", about(public["id"], status="dismissed"))
    for client in (other, asker):
        assert (await client.join(MODERATED))["questions"] == []
    staff_view = (await moderator.join(MODERATED))["questions"]
    assert {(x["id"], x["status"]) for x in staff_view} == {
        (pending["id"], "dismissed"), (public["id"], "dismissed")}
    await close(asker, other, moderator)


async def test_moderators_switch_moderation_off_and_on(event: Event) -> None:
    moderator = await member(event, "moderator")
    asker = await member(event)
    await moderator.call("session.update", {"session": MODERATED, "qa_moderated": False})
    assert (await ask(asker, MODERATED))["status"] == "visible"
    await moderator.call("session.update", {"session": MODERATED, "qa_moderated": True})
    assert (await ask(asker, MODERATED, "Second"))["status"] == "pending"
    await close(moderator, asker)


async def test_anonymous_questions_name_nobody_not_even_to_moderators(event: Event) -> None:
    asker = await member(event, session=OPEN, name="Hidden Person")
    moderator = await member(event, "moderator", session=OPEN)
    q = await ask(asker, OPEN, "Is it safe to speak up?", anonymous=True)
    assert q["author"] is None and q["mine"] is True
    seen = await moderator.event("qa.question", about(q["id"]))
    assert seen["data"]["question"]["author"] is None
    snapshot = await moderator.join(OPEN)
    assert snapshot["questions"][0]["author"] is None
    for text in (json.dumps(seen), json.dumps(snapshot)):
        assert "Hidden Person" not in text and asker.user["id"] not in text
    # Plenary still knows the asker: only they can withdraw it, and they see it as theirs.
    assert (await asker.join(OPEN))["questions"][0]["mine"] is True
    assert await moderator.call("qa.withdraw", {"question": q["id"]}) == {"question": q["id"]}
    # In a moderated session: the moderation queue does not name the asker either.
    await asker.join(MODERATED)
    await moderator.join(MODERATED)
    pending = await ask(asker, MODERATED, "Who decides?", anonymous=True)
    queued = await moderator.event("qa.question", about(pending["id"], status="pending"))
    assert queued["topic"] == f"session:{MODERATED}:staff"
    assert queued["data"]["question"]["author"] is None
    assert (await moderator.join(MODERATED))["questions"][0]["author"] is None
    assert "Hidden Person" not in json.dumps(queued)
    await close(asker, moderator)


# -- withdrawing ---------------------------------------------------------------------------------
async def test_the_author_or_a_moderator_withdraws(event: Event) -> None:
    asker = await member(event, session=OPEN)
    other = await member(event, session=OPEN)
    speaker = await member(event, "speaker", session=OPEN)
    moderator = await member(event, "moderator", session=OPEN)
    q = await ask(asker, OPEN)
    assert await other.error("qa.withdraw", {"question": q["id"]}) == "forbidden"
    assert await speaker.error("qa.withdraw", {"question": q["id"]}) == "forbidden"
    assert await asker.call("qa.withdraw", {"question": q["id"]}) == {"question": q["id"]}
    seen = await other.event("qa.removed", about(q["id"]))
    assert seen["topic"] == f"session:{OPEN}"
    assert await asker.error("qa.withdraw", {"question": q["id"]}) == "not_found"
    second = await ask(asker, OPEN, "Another")
    await moderator.call("qa.withdraw", {"question": second["id"]})
    await other.event("qa.removed", about(second["id"]))
    assert (await other.join(OPEN))["questions"] == []
    # A pending question: its author withdraws it from the moderation queue.
    await asker.join(MODERATED)
    await moderator.join(MODERATED)
    pending = await ask(asker, MODERATED, "Pending one")
    await moderator.event("qa.question", about(pending["id"], status="pending"))
    await asker.call("qa.withdraw", {"question": pending["id"]})
    await moderator.event("qa.removed", about(pending["id"]))
    assert (await moderator.join(MODERATED))["questions"] == []
    await close(asker, other, speaker, moderator)


# -- moderation and order ------------------------------------------------------------------------
async def test_pin_answer_reopen_and_the_order_users_expect(event: Event) -> None:
    moderator = await member(event, "moderator", session=OPEN)
    askers = [await member(event, session=OPEN) for _ in range(3)]
    first, second, third = [await ask(c, OPEN, f"Question {i}") for i, c in enumerate(askers)]
    for voter in askers[:2]:
        await voter.call("qa.vote", {"question": third["id"], "up": True})
    await askers[0].call("qa.vote", {"question": second["id"], "up": True})
    order = [x["id"] for x in (await moderator.join(OPEN))["questions"]]
    assert order == [third["id"], second["id"], first["id"]]  # votes, then oldest

    pinned = await moderator.call("qa.moderate", {"question": first["id"], "action": "pin"})
    assert pinned["question"]["pinned"] is True
    await askers[1].event("qa.question", about(first["id"], pinned=True))
    answered = await moderator.call("qa.moderate", {"question": third["id"],
                                                     "action": "answer", "answer": " Yes. "})
    assert answered["question"]["status"] == "answered"
    assert answered["question"]["answer"] == "Yes."
    assert answered["question"]["votes"] == 2
    await askers[1].event("qa.question", about(third["id"], status="answered", answer="Yes."))
    order = [x["id"] for x in (await askers[1].join(OPEN))["questions"]]
    assert order == [first["id"], second["id"], third["id"]]  # pinned first, answered last

    reopened = await moderator.call("qa.moderate", {"question": third["id"], "action": "reopen"})
    assert reopened["question"]["status"] == "visible"
    await askers[1].event("qa.question", about(third["id"], status="visible", answer=None))
    same = await moderator.call("qa.moderate", {"question": first["id"], "action": "pin"})
    assert same["question"]["pinned"] is True  # already so: no change, so no event
    await settle(moderator, OPEN, askers[1])
    assert not askers[1].has("qa.question", about(first["id"], pinned=True))
    await close(moderator, *askers)


# -- votes ---------------------------------------------------------------------------------------
async def test_votes_exact_in_replies_idempotent_and_coalesced_in_events(event: Event) -> None:
    asker = await member(event, session=OPEN)
    q = await ask(asker, OPEN)
    voter = await member(event, session=OPEN)
    assert await voter.call("qa.vote", {"question": q["id"], "up": True}) == {"votes": 1}
    assert await voter.call("qa.vote", {"question": q["id"], "up": True}) == {"votes": 1}
    assert (await voter.join(OPEN))["my_votes"] == {q["id"]: True}
    assert await voter.call("qa.vote", {"question": q["id"], "up": False}) == {"votes": 0}
    assert await voter.call("qa.vote", {"question": q["id"], "up": False}) == {"votes": 0}
    assert (await voter.join(OPEN))["my_votes"] == {}

    crowd = [await member(event, session=OPEN) for _ in range(20)]
    watcher = await member(event, session=OPEN)
    replies = await asyncio.gather(*(c.call("qa.vote", {"question": q["id"], "up": True})
                                     for c in crowd))
    assert sorted(r["votes"] for r in replies)[-1] == 20
    last = await watcher.event("qa.votes", lambda d: d["votes"].get(q["id"]) == 20)
    assert last["topic"] == f"session:{OPEN}"
    # Many votes, few events: each event carries the absolute count.
    assert len([e for e in watcher.events if e["type"] == "qa.votes"]) < 19
    snapshot = await watcher.join(OPEN)
    assert snapshot["questions"][0]["votes"] == 20 and snapshot["my_votes"] == {}
    await close(asker, voter, watcher, *crowd)


async def test_only_visible_or_answered_questions_take_votes(event: Event) -> None:
    asker = await member(event)
    moderator = await member(event, "moderator")
    other = await member(event)
    q = await ask(asker, MODERATED)
    vote = {"question": q["id"], "up": True}
    assert await asker.error("qa.vote", vote) == "conflict"  # their own, still pending
    assert await moderator.error("qa.vote", vote) == "conflict"
    assert await other.error("qa.vote", vote) == "not_found"  # may not know it exists
    await moderator.call("qa.moderate", {"question": q["id"], "action": "answer"})
    assert await other.call("qa.vote", vote) == {"votes": 1}
    await moderator.call("qa.moderate", {"question": q["id"], "action": "dismiss"})
    assert await other.error("qa.vote", vote) == "not_found"
    assert await moderator.error("qa.vote", vote) == "conflict"
    await close(asker, moderator, other)


async def test_one_vote_per_user_across_tabs_and_processes(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    asker = await Client.connect(a, event.token())
    await asker.join(OPEN)
    q = await ask(asker, OPEN)
    token = event.token("attendee", "Many Tabs")
    tabs = [await Client.connect(server, token) for server in (a, a, b, b)]
    watcher = await Client.connect(b, event.token())
    await watcher.join(OPEN)
    vote = {"question": q["id"], "up": True}
    for _ in range(2):
        replies = await asyncio.gather(*(t.call("qa.vote", vote) for t in tabs))
        assert [r["votes"] for r in replies] == [1, 1, 1, 1]
    await watcher.event("qa.votes", lambda d: d["votes"] == {q["id"]: 1})
    someone = await Client.connect(b, event.token())
    assert await someone.call("qa.vote", vote) == {"votes": 2}
    await watcher.event("qa.votes", lambda d: d["votes"] == {q["id"]: 2})
    assert await tabs[0].call("qa.vote", {**vote, "up": False}) == {"votes": 1}
    assert await tabs[3].call("qa.vote", {**vote, "up": False}) == {"votes": 1}
    await watcher.event("qa.votes", lambda d: d["votes"] == {q["id"]: 1})
    for server in (a, b):
        viewer = await Client.connect(server, token)
        snapshot = await viewer.join(OPEN)
        assert snapshot["questions"][0]["votes"] == 1 and snapshot["my_votes"] == {}
        await viewer.close()
    await close(asker, watcher, someone, *tabs)


# -- abuse and invalid input -------------------------------------------------------------------
def _start_of_a_minute(clock: TravelClock) -> None:
    """Rate limits count per minute window: a burst straddling two windows would pass, so
    move the server's clock to just after a window starts."""
    clock.advance(60 - clock.time() % 60 + 0.01)


async def test_the_sixth_question_in_a_minute_is_rate_limited(event: Event) -> None:
    _start_of_a_minute(event.server.clock)
    asker = await member(event, session=OPEN)
    for i in range(5):
        await ask(asker, OPEN, f"Question {i}")
    data = {"session": OPEN, "text": "One too many"}
    refused = (await asker.request("qa.ask", data))["error"]
    # The next minute's window opens within retry_after seconds: the client says so.
    assert refused["code"] == "rate_limited" and 1 <= refused["retry_after"] <= 60
    snapshot = await asker.join(OPEN)
    assert sorted(x["text"] for x in snapshot["questions"]) == [f"Question {i}" for i in range(5)]
    event.server.clock.advance(60)  # the next window
    await ask(asker, OPEN, "A new minute")
    await close(asker)


async def test_votes_are_rate_limited() -> None:
    server = await InProcServer(env={"PLENARY_VOTE_LIMIT_PER_MIN": "3"}).start()
    try:
        event = await create_inproc_event(server)
        _start_of_a_minute(server.clock)
        asker = await member(event, session=OPEN)
        q = await ask(asker, OPEN)
        voter = await member(event, session=OPEN)
        vote = {"question": q["id"], "up": True}
        for up in (True, False, True):
            await voter.call("qa.vote", {**vote, "up": up})
        assert await voter.error("qa.vote", {**vote, "up": False}) == "rate_limited"
        assert (await voter.join(OPEN))["questions"][0]["votes"] == 1
        await close(asker, voter)
    finally:
        await server.stop()


async def test_every_invalid_input_is_refused_and_changes_nothing(event: Event) -> None:
    moderator = await member(event, "moderator")
    asker = await member(event)
    await moderator.call("session.update", {"session": MODERATED, "qa_moderated": False})
    q = await ask(asker, MODERATED)
    await moderator.call("session.update", {"session": MODERATED, "qa_moderated": True})
    await asker.call("qa.vote", {"question": q["id"], "up": True})
    before = await moderator.join(MODERATED)
    qid = q["id"]
    typed = [  # refused by their types: they never reach the handler
        ("qa.ask", {"session": MODERATED}),
        ("qa.ask", {"session": MODERATED, "text": 42}),
        ("qa.ask", {"session": MODERATED, "text": "x" * 2001}),
        ("qa.ask", {"session": MODERATED, "text": "Hi", "anonymous": "yes"}),
        ("qa.ask", {"session": MODERATED, "text": "Hi", "color": "red"}),
        ("qa.ask", {"session": "Not A Slug", "text": "Hi"}),
        ("qa.ask", {"session": ["opening"], "text": "Hi"}),
        ("qa.vote", {"question": qid}),
        ("qa.vote", {"question": qid, "up": "yes"}),
        ("qa.vote", {"question": qid, "up": 1}),
        ("qa.vote", {"question": "no spaces allowed", "up": True}),
        ("qa.vote", {"question": 7, "up": True}),
        ("qa.moderate", {"question": qid, "action": "promote"}),
        ("qa.moderate", {"question": qid}),
        ("qa.moderate", {"question": qid, "action": "answer", "answer": 5}),
        ("qa.withdraw", {}),
        ("qa.withdraw", {"question": None}),
    ]
    for kind, data in typed:
        assert await moderator.error(kind, data) == "bad_request", (kind, data)
    checked = [  # refused by the handler, before it writes anything
        ("qa.moderate", {"question": qid, "action": "approve", "answer": "No"}, "bad_request"),
        ("qa.moderate", {"question": qid, "action": "answer", "answer": "   "}, "bad_request"),
        ("qa.moderate", {"question": qid, "action": "answer", "answer": "y" * 2001},
         "bad_request"),
        ("qa.moderate", {"question": "q-unknown", "action": "approve"}, "not_found"),
        ("qa.vote", {"question": "q-unknown", "up": True}, "not_found"),
        ("qa.withdraw", {"question": "q-unknown"}, "not_found"),
    ]
    checker = await member(event, "moderator")  # a second connection: keeps each well under
    for kind, data, code in checked:  # the per-connection command rate
        assert await checker.error(kind, data) == code, (kind, data)
    assert await asker.error("qa.moderate", {"question": qid, "action": "dismiss"}) == "forbidden"
    asks = [  # each from a fresh person, so the ask limit never gets in the way
        ({"session": MODERATED, "text": "   \n\t "}, "bad_request"),
        ({"session": MODERATED, "text": ""}, "bad_request"),
        ({"session": MODERATED, "text": "é" * 501}, "bad_request"),
        ({"session": MODERATED, "text": "nul\x00byte"}, "bad_request"),
        ({"session": "no-such-session", "text": "Hi"}, "not_found"),
        ({"session": OPEN, "text": "Not joined there"}, "forbidden"),
    ]
    for data, code in asks:
        person = await member(event)
        assert await person.error("qa.ask", data) == code, data
        await person.close()
    assert await asker.call("qa.ask", {"session": MODERATED, "text": "é" * 500})
    after = await moderator.join(MODERATED)
    assert [x for x in after["questions"] if x["id"] == qid] == before["questions"]
    assert len(after["questions"]) == 2  # only the valid 500-character one was added
    await close(moderator, asker, checker)


# -- the report ----------------------------------------------------------------------------------
async def test_the_report_in_json_and_csv(socket_event: Event) -> None:
    event = socket_event  # its HTTP API too: a real process
    moderator = await member(event, "moderator", session=OPEN)
    named = await member(event, session=OPEN, mode="in_room", name="Zoë Müller")
    hidden = await member(event, session=OPEN, name="Secret Person")
    first = await ask(named, OPEN, "Ça marche? =1+1")
    second = await ask(hidden, OPEN, "=HYPERLINK(\"http://x\")", anonymous=True)
    await hidden.call("qa.vote", {"question": first["id"], "up": True})
    await moderator.call("qa.moderate", {"question": first["id"], "action": "answer",
                                         "answer": "Oui, très bien."})
    url = f"{event.server.http}/api/events/{event.id}/sessions/{OPEN}/report"
    status, body = http("GET", url + "?format=json", token=event.token("moderator"))
    assert status == 200
    rows = {q["id"]: q for q in body["questions"]}
    assert rows[first["id"]]["author"] == {"id": named.user["id"], "name": "Zoë Müller"}
    assert rows[first["id"]]["votes"] == 1 and rows[first["id"]]["mode"] == "in_room"
    assert rows[first["id"]]["answer"] == "Oui, très bien."
    assert rows[first["id"]]["status"] == "answered"
    assert rows[second["id"]]["author"] is None and rows[second["id"]]["mode"] == "remote"
    assert body["questions_by_mode"] == {"in_room": 1, "remote": 1}
    assert "Secret Person" not in json.dumps(body) and hidden.user["id"] not in json.dumps(body)

    status, raw = http("GET", url + "?format=csv", token=event.token("moderator"), raw=True)
    assert status == 200 and raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "Zoë Müller" in text and "Ça marche? =1+1" in text and "Oui, très bien." in text
    assert "Secret Person" not in text
    assert "'=HYPERLINK" in text  # a formula is data, not something a spreadsheet runs
    header = "id,text,status,votes,mode,pinned,answer,author,created_at"
    assert header in text
    status, _ = http("GET", url + "?format=csv", token=event.token("attendee"))
    assert status == 403
    await close(moderator, named, hidden)


# -- durability ----------------------------------------------------------------------------------
async def test_questions_and_votes_survive_restarting_every_process(
        redis_server: RedisServer) -> None:
    first = Server(redis_server.url).start()
    try:
        event = create_event(first)
        token = event.token("attendee", "Voter")
        moderator_token = event.token("moderator")
        asker = await Client.connect(first, event.token())
        await asker.join(MODERATED)
        pending = await ask(asker, MODERATED, "Still pending?")
        moderator = await Client.connect(first, moderator_token)
        await moderator.call("session.update", {"session": MODERATED, "qa_moderated": False})
        public = await ask(asker, MODERATED, "Still here?")
        voter = await Client.connect(first, token)
        await voter.call("qa.vote", {"question": public["id"], "up": True})
        await moderator.call("qa.moderate", {"question": public["id"], "action": "pin"})
        await close(asker, moderator, voter)
    finally:
        first.stop()
    second = Server(redis_server.url).start()
    try:
        moderator = await Client.connect(second, moderator_token)
        listed = (await moderator.join(MODERATED))["questions"]
        assert [(x["id"], x["status"], x["votes"], x["pinned"]) for x in listed] == [
            (public["id"], "visible", 1, True), (pending["id"], "pending", 0, False)]
        voter = await Client.connect(second, token)
        assert (await voter.join(MODERATED))["my_votes"] == {public["id"]: True}
        assert await voter.call("qa.vote", {"question": public["id"], "up": True}) == {"votes": 1}
        await close(moderator, voter)
    finally:
        second.stop()

