"""Surveys over real sockets, on both backends: build, open, save partly and resume, submit
once, results per question with thresholds, a daily series with trends, schedules, the
report; and on two processes sharing one Redis, one survey answered through both."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any

from harness import Client, Event, Server, create_event, http

SESSION = "opening"
QUESTIONS = [
    {"title": "How rested do you feel?", "kind": "scale", "scale": 5,
     "labels": ["not at all", "", "", "", "completely"]},
    {"title": "Which module helped most?", "kind": "single", "options": ["Resilience", "Stress"]},
    {"title": "Rank the breaks", "kind": "ranking", "options": ["Coffee", "Walk", "Nap"]},
    {"title": "Anything else?", "kind": "text", "required": False},
]
FULL = {"q1": {"rating": 4}, "q2": {"choices": [1]}, "q3": {"ranking": [2, 0, 1]}}


async def member(event: Event, role: str = "attendee", mode: str = "remote",
                 server: Server | None = None, name: str | None = None) -> Client:
    client = await Client.connect(server or event.server, event.token(role, name))
    await client.join(SESSION, mode)
    return client


async def create(mod: Client, **fields: Any) -> dict[str, Any]:
    data = {"session": SESSION, "title": "Daily pulse", "questions": QUESTIONS, **fields}
    return (await mod.call("survey.create", data))["survey"]


async def opened(mod: Client, **fields: Any) -> dict[str, Any]:
    survey = await create(mod, **fields)
    return (await mod.call("survey.open", {"survey": survey["id"]}))["survey"]


def of(survey: dict[str, Any], **fields: Any) -> Any:
    return lambda d: d["survey"] == survey["id"] and all(d[k] == v for k, v in fields.items())


async def close_all(*clients: Client) -> None:
    for client in clients:
        await client.close()


# -- taking a survey -------------------------------------------------------------------------------
async def test_save_partly_resume_and_submit_once(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event, mode="in_room")
    draft = await create(mod)
    assert draft["state"] == "draft" and [q["id"] for q in draft["questions"]] == \
        ["q1", "q2", "q3", "q4"]
    assert (await alice.join(SESSION))["surveys"] == []  # drafts are the staff's own
    survey = (await mod.call("survey.open", {"survey": draft["id"]}))["survey"]
    assert survey["state"] == "open" and survey["round"] == "main"
    await alice.event("survey.state", lambda d: d["survey"]["state"] == "open")
    saved = await alice.call("survey.save", {"survey": survey["id"],
                                             "answers": {"q1": {"rating": 2}}})
    assert saved["answers"] == {"q1": {"rating": 2}}
    await alice.call("survey.save", {"survey": survey["id"], "answers": {"q2": {"choices": [0]}}})
    # Come back later (joining again): the saved answers are there.
    snapshot = (await alice.join(SESSION))["surveys"][0]
    assert snapshot["mine"] == {"round": "main", "submitted": False,
                                "answers": {"q1": {"rating": 2}, "q2": {"choices": [0]}}}
    assert (await alice.call("survey.mine", {"survey": survey["id"]}))["answers"]["q2"] == \
        {"choices": [0]}
    # A required question missing: refused, nothing counted.
    assert await alice.error("survey.submit", {"survey": survey["id"]}) == "bad_request"
    done = await alice.call("survey.submit", {"survey": survey["id"],
                                              "answers": {"q3": {"ranking": [0, 1, 2]}}})
    assert done == {"survey": survey["id"], "round": "main", "submitted": True}
    assert await alice.error("survey.submit", {"survey": survey["id"],
                                               "answers": FULL}) == "already_submitted"
    assert await alice.error("survey.save", {"survey": survey["id"],
                                             "answers": FULL}) == "already_submitted"
    mine = (await alice.join(SESSION))["surveys"][0]["mine"]
    assert mine == {"round": "main", "submitted": True, "answers": {}}  # the draft is gone
    closed = await mod.call("survey.close", {"survey": survey["id"]})
    assert closed["survey"]["state"] == "closed"
    final = (await alice.event("survey.results", of(survey, final=True)))["data"]
    assert final["respondents"] == 1
    q1 = final["questions"][0]
    assert q1["question"] == "q1" and q1["tally"]["histogram"] == [0, 1, 0, 0, 0]
    assert await alice.error("survey.submit", {"survey": survey["id"]}) == "survey_closed"
    assert await mod.error("survey.open", {"survey": survey["id"]}) == "conflict"
    await close_all(mod, alice)


async def test_invalid_answers_name_the_field_and_change_nothing(event: Event) -> None:
    mod, alice = await member(event, "moderator"), await member(event)
    survey = await opened(mod, results="live")
    sid = survey["id"]
    for answers, field in (({"q1": {"rating": 9}}, "data.answers.q1.rating"),
                           ({"q2": {"choices": [7]}}, "data.answers.q2.choices"),
                           ({"q3": {"ranking": [0, 0, 1]}}, "data.answers.q3.ranking"),
                           ({"q9": {"rating": 1}}, "data.answers.q9"),
                           ({"q1": {"text": "x"}}, "data.answers.q1")):
        reply = await alice.request("survey.submit", {"survey": sid, "answers": answers})
        assert reply["type"] == "error" and field in reply["error"]["message"], reply
    outsider = await Client.connect(event.server, event.token())
    await outsider.join("open-floor")
    assert await outsider.error("survey.submit", {"survey": sid, "answers": FULL}) == \
        "forbidden"
    assert await alice.error("survey.create", {"session": SESSION, "title": "x",
                                               "questions": QUESTIONS}) == "forbidden"
    assert await mod.error("survey.create", {"session": SESSION, "title": "x",
                                             "questions": []}) == "bad_request"
    assert (await alice.call("survey.mine", {"survey": sid}))["answers"] == {}
    await close_all(mod, alice, outsider)


async def test_thresholds_hold_per_question_and_half(event: Event) -> None:
    mod = await member(event, "moderator")
    people = [await member(event, mode=m) for m in ("in_room", "remote", "remote")]
    survey = await opened(mod, results="live", min_responses=3)
    for i, person in enumerate(people):
        extra = {"q4": {"text": "More walks"}} if i == 0 else {}
        await person.call("survey.submit", {"survey": survey["id"], "answers": {**FULL, **extra}})
    data = (await people[0].event("survey.results", of(survey, respondents=3)))["data"]
    q1, _, _, q4 = data["questions"]
    assert q1["votes"] == 3 and all(h["suppressed"] for h in q1["by_mode"].values())
    assert q4["suppressed"] and q4["tally"] is None  # one written answer: unreadable
    assert data["by_mode"] == {"in_room": None, "remote": None}
    await close_all(mod, *people)


# -- a daily series --------------------------------------------------------------------------------
async def test_a_daily_series_links_days_by_pseudonym_in_aggregate(event: Event) -> None:
    mod_token = event.token("moderator", "Mod")
    mod = await Client.connect(event.server, mod_token)
    await mod.join(SESSION)
    people = [await member(event) for _ in range(3)]
    survey = await create(mod, series=True, min_responses=3)
    for day, ratings in (("2026-06-01", (2, 3, 4)), ("2026-06-02", (3, 3, 2))):
        opened_ = (await mod.call("survey.open", {"survey": survey["id"], "day": day}))["survey"]
        assert opened_["round"] == day
        for person, rating in zip(people, ratings, strict=True):
            answers = {**FULL, "q1": {"rating": rating}}
            await person.call("survey.submit", {"survey": survey["id"], "answers": answers})
        await mod.call("survey.close", {"survey": survey["id"]})
    assert await mod.error("survey.open", {"survey": survey["id"], "day": "2026-06-01"}) == \
        "conflict"
    url = f"{event.server.http}/api/events/{event.id}/sessions/{SESSION}/report"
    status, report = http("GET", url, token=mod_token)
    assert status == 200, report
    entry = report["surveys"][0]
    assert [r["round"] for r in entry["rounds"]] == ["2026-06-01", "2026-06-02"]
    assert [r["respondents"] for r in entry["rounds"]] == [3, 3]
    assert entry["trends"][0] == {"question": "q1", "title": "How rested do you feel?",
                                  "from": "2026-06-01", "to": "2026-06-02", "linked": 3,
                                  "suppressed": False, "rose": 1, "same": 1, "fell": 1,
                                  "mean_change": -0.33}
    assert "user" not in str(entry) and "answers" not in entry
    _, raw = http("GET", url + "?format=csv", token=mod_token, raw=True)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert ["survey trends"] in rows
    assert ["Daily pulse", "2026-06-01", "How rested do you feel?", "scale", "yes",
            "2", "1", "fewer than 3", "fewer than 3"] not in rows  # halves never below N
    await close_all(mod, *people)


async def test_a_schedule_waits_for_its_day_in_the_events_time_zone(event: Event) -> None:
    mod = await member(event, "moderator")
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    survey = await create(mod, series=True, schedule={"time": "09:00", "days": [tomorrow]})
    armed = (await mod.call("survey.open", {"survey": survey["id"]}))["survey"]
    assert armed["state"] == "scheduled" and armed["opens_at"] > 0 and armed["round"] is None
    stopped = (await mod.call("survey.close", {"survey": survey["id"]}))["survey"]
    assert stopped["state"] == "closed"
    past = await create(mod, series=True, schedule={"time": "09:00", "days": ["2020-01-01"]})
    assert await mod.error("survey.open", {"survey": past["id"]}) == "conflict"
    await close_all(mod)


async def test_named_survey_report_has_each_answer_with_option_texts(event: Event) -> None:
    mod_token = event.token("moderator", "Mod")
    mod = await Client.connect(event.server, mod_token)
    await mod.join(SESSION)
    alice = await member(event, name="Alice")
    survey = await opened(mod, anonymous=False)
    assert survey["anonymous"] is False and survey["staff_below_threshold"] is True
    await alice.call("survey.submit", {"survey": survey["id"], "answers": FULL})
    await mod.call("survey.close", {"survey": survey["id"]})
    url = f"{event.server.http}/api/events/{event.id}/sessions/{SESSION}/report?format=csv"
    _, raw = http("GET", url, token=mod_token, raw=True)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert ["Daily pulse", "Alice", "remote", "4", "Stress", "Nap > Coffee > Walk", ""] in rows
    await close_all(mod, alice)


# -- two processes ---------------------------------------------------------------------------------
async def test_a_survey_across_two_processes_counts_each_person_once(
        cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    mod = await member(event, "moderator", server=a)
    survey = await opened(mod, results="live")
    tokens = [event.token() for _ in range(10)]
    people = []
    # Each person saves on one process and submits twice, once through each process.
    for i, token in enumerate(tokens):
        person = await Client.connect((a, b)[i % 2], token)
        await person.join(SESSION)
        people.append(person)
        await person.call("survey.save", {"survey": survey["id"], "answers": {"q1": FULL["q1"]}})
        other = await Client.connect((b, a)[i % 2], token)
        await other.join(SESSION)
        assert (await other.call("survey.mine", {"survey": survey["id"]}))["answers"] == \
            {"q1": FULL["q1"]}
        outcomes = await asyncio.gather(
            person.request("survey.submit", {"survey": survey["id"], "answers": FULL}),
            other.request("survey.submit", {"survey": survey["id"], "answers": FULL}))
        assert sorted(o["type"] for o in outcomes) == ["error", "ok"], outcomes
        await other.close()
    seen = await people[1].event("survey.results", of(survey, respondents=10))
    assert seen["data"]["questions"][1]["tally"] == [0, 10]
    await close_all(mod, *people)
