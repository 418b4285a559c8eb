"""The event-wide export on both backends: an XLSX opened with openpyxl (sheets, headers,
values, local times, option texts), the same as CSV, attendance per session and day, and
only for moderators."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from harness import Client, Event, Server, create_event, http

SESSIONS = [
    {"id": "resilience", "title": "Resilience", "track": "Module 3",
     "starts_at": "2026-06-02T09:00:00+02:00", "ends_at": "2026-06-02T10:30:00+02:00"},
    {"id": "stress", "title": "Stress management", "track": "Module 6",
     "starts_at": "2026-06-03T09:00:00+02:00", "ends_at": "2026-06-03T10:00:00+02:00"},
]


def sheet_rows(book: Any, name: str) -> list[list[Any]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def as_dicts(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def joined(server: Server, token: str, session: str, mode: str = "remote") -> Client:
    client = await Client.connect(server, token)
    await client.join(session, mode)
    return client


async def test_xlsx_and_csv_export_of_a_named_event(server: Server) -> None:
    event = create_event(server, sessions=SESSIONS, timezone="Europe/Paris",
                         named_attendance=True)
    mod_token = event.token("moderator", "Mod")
    mod = await joined(server, mod_token, "resilience")
    alice = await joined(server, event.token("attendee", "Alice"), "resilience", "in_room")
    bob = await joined(server, event.token("attendee", "Bob"), "resilience")
    await alice.call("qa.ask", {"session": "resilience", "text": "=HYPERLINK(\"x\")"})
    poll = (await mod.call("poll.create", {"session": "resilience", "title": "Best break?",
                                           "kind": "single", "options": ["Walk", "Coffee"],
                                           "anonymous": False}))["poll"]
    await mod.call("poll.open", {"poll": poll["id"]})
    await alice.call("poll.vote", {"poll": poll["id"], "choices": [1]})
    survey = (await mod.call("survey.create", {
        "session": "resilience", "title": "Check-in", "questions": [
            {"title": "Energy?", "kind": "scale", "scale": 3, "labels": ["low", "", "high"]}],
    }))["survey"]
    await mod.call("survey.open", {"survey": survey["id"]})
    await bob.call("survey.submit", {"survey": survey["id"], "answers": {"q1": {"rating": 3}}})
    await mod.call("survey.close", {"survey": survey["id"]})
    await bob.call("session.leave", {"session": "resilience"})
    await bob.join("stress")

    url = f"{server.http}/api/events/{event.id}/report"
    status, raw = http("GET", url + "?format=xlsx", token=mod_token, raw=True)
    assert status == 200
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.sheetnames[:5] == ["About", "Sessions", "Days", "Modules", "Attendees"]
    assert {"Questions", "Polls", "Poll ballots", "Surveys"} <= set(book.sheetnames)
    assert "Attendance" not in book.sheetnames  # the Sessions sheet has it, for every session
    about = {row[0]: row[1] for row in sheet_rows(book, "About")[1:]}
    assert about["Event"] == "Test conference" and about["Time zone"].startswith("Europe/Paris")

    sessions = as_dicts(sheet_rows(book, "Sessions"))
    assert list(sessions[0])[:3] == ["Session", "Day", "Starts"]
    first, second = sessions
    assert (first["Session"], first["Day"], first["Starts"], first["Module"]) == \
        ("Resilience", "2026-06-02", "2026-06-02 09:00", "Module 3")
    assert first["Attendees"] == 3 and first["In the room"] == 1 and first["Online"] == 2
    assert first["Questions"] == 1 and first["Poll answers"] == 1
    assert first["Survey submissions"] == 1 and first["Peak concurrent"] == 3
    assert second["Attendees"] == 1  # Bob moved on
    days = as_dicts(sheet_rows(book, "Days"))
    assert [(d["Day"], d["Attendees"]) for d in days] == [("2026-06-02", 3), ("2026-06-03", 1)]
    modules = as_dicts(sheet_rows(book, "Modules"))
    assert [m["Module"] for m in modules] == ["Module 3", "Module 6"]

    people = {(r["Name"], r["Session"]): r for r in as_dicts(sheet_rows(book, "Attendees"))}
    assert people[("Alice", "Resilience")]["Questions"] == 1
    assert people[("Alice", "Resilience")]["Poll answers"] == 1
    assert 0 <= people[("Alice", "Resilience")]["Engagement index"] <= 100
    assert ("Bob", "Stress management") in people

    questions = as_dicts(sheet_rows(book, "Questions"))
    assert list(questions[0])[:2] == ["Session", "Question"]
    assert questions[0]["Question"] == "=HYPERLINK(\"x\")"  # kept as text, not a formula
    assert list(questions[0])[-1] == "Id"
    ballots = as_dicts(sheet_rows(book, "Poll ballots"))
    assert ballots == [{"Session": "Resilience", "Poll": "Best break?", "Name": "Alice",
                        "Where": "in_room", "Answer": "Coffee"}]
    polls = as_dicts(sheet_rows(book, "Polls"))
    assert {(p["Option"], p["Answers"]) for p in polls} == {("Walk", 0), ("Coffee", 1)}
    surveys = as_dicts(sheet_rows(book, "Surveys"))
    assert [(s["Answer"], s["Count"]) for s in surveys] == [("1 low", 0), ("2", 0),
                                                            ("3 high", 1)]

    status, text = http("GET", url + "?format=csv", token=mod_token, raw=True)
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert ["Sessions"] in rows and ["Attendees"] in rows
    assert ["Resilience", "Best break?", "Alice", "in_room", "Coffee"] in rows
    assert http("GET", url, token=event.token("attendee"))[0] == 403
    assert http("GET", url + "?format=pdf", token=mod_token)[0] == 400
    for client in (mod, alice, bob):
        await client.close()


async def test_an_anonymous_event_exports_no_attendee_sheet(event: Event) -> None:
    mod_token = event.token("moderator")
    mod = await joined(event.server, mod_token, "opening")
    status, data = http("GET", f"{event.server.http}/api/events/{event.id}/report?format=json",
                        token=mod_token)
    assert status == 200
    assert "Attendees" not in data["sections"]
    assert data["sections"]["Sessions"][0]["Attendees"] == 1
    await mod.close()
