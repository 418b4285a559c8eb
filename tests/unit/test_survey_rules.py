"""The pure rules of surveys: questions, partial and complete answers, the life of a survey,
thresholds per question, pseudonyms, daily trends, and the schedule's days."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from plenary.errors import Code, ProtocolError
from plenary.features.surveys import rules, schedule
from plenary.features.surveys.rules import CreateData, Survey

QUESTIONS = [
    {"title": "How rested do you feel?", "kind": "scale", "scale": 5,
     "labels": ["not at all", "", "", "", "completely"]},
    {"title": "Which module helped most?", "kind": "single", "options": ["Resilience", "Stress"]},
    {"title": "Anything else?", "kind": "text", "required": False},
]


def make(**fields: Any) -> Survey:
    data = msgspec.convert({"session": "opening", "title": "Pulse", "questions": QUESTIONS,
                            **fields}, CreateData)
    return rules.new_survey(data, "s1", 1000)


def refused(call: Any, field: str, code: Code = Code.bad_request) -> None:
    with pytest.raises(ProtocolError) as caught:
        call()
    assert caught.value.code is code, caught.value.message
    assert field in caught.value.message, caught.value.message


def opened(survey: Survey, round_: str = rules.ONE_OFF) -> Survey:
    return rules.opened(survey, round_, None)


# -- creating ------------------------------------------------------------------------------------
def test_new_survey_numbers_questions_and_keeps_labels() -> None:
    survey = make()
    assert [q.id for q in survey.questions] == ["q1", "q2", "q3"]
    assert survey.questions[0].labels == ["not at all", "", "", "", "completely"]
    assert survey.questions[2].required is False and survey.state == "draft"
    assert survey.anonymous and not survey.staff_below_threshold


@pytest.mark.parametrize(("question", "field"), [
    ({"title": "Q", "kind": "single", "options": ["A"]}, "data.questions[0].options"),
    ({"title": "Q", "kind": "scale", "scale": 3, "labels": ["a", "b"]},
     "data.questions[0].labels"),
    ({"title": "Q", "kind": "single", "options": ["A", "B"], "labels": ["x", "y"]},
     "data.questions[0].labels"),
    ({"title": " ", "kind": "text"}, "data.questions[0].title"),
])
def test_invalid_questions_name_the_field(question: dict[str, Any], field: str) -> None:
    refused(lambda: make(questions=[question]), field)


def test_a_schedule_needs_a_series() -> None:
    refused(lambda: make(schedule={"time": "09:00", "days": ["2026-06-01"]}), "data.schedule")


# -- answering -----------------------------------------------------------------------------------
def test_partial_answers_are_checked_and_complete_ones_required() -> None:
    survey = opened(make())
    partial = rules.checked(survey, {"q1": {"rating": 4}})
    assert partial == {"q1": ["r:4"]}
    refused(lambda: rules.complete(survey, partial), "data.answers.q2")
    refused(lambda: rules.checked(survey, {"q2": {"choices": [5]}}), "data.answers.q2.choices")
    refused(lambda: rules.checked(survey, {"q1": {"rating": 9}}), "data.answers.q1.rating")
    refused(lambda: rules.checked(survey, {"q9": {"rating": 1}}), "data.answers.q9")
    full = rules.checked(survey, {"q1": {"rating": 4}, "q2": {"choices": [1]}})
    rules.complete(survey, full)  # q3 is optional
    assert rules.items(full) == ["respondents", "q1|votes", "q1|r:4", "q2|votes", "q2|o:1"]


def test_text_answers_kept_as_written() -> None:
    survey = opened(make())
    assert rules.checked(survey, {"q3": {"text": " Fewer Meetings! "}}) == \
        {"q3": ["t:Fewer Meetings!"]}


# -- the life of a survey ------------------------------------------------------------------------
def test_one_off_opens_once() -> None:
    survey = opened(make())
    assert (survey.state, survey.round, survey.rounds) == ("open", "main", ["main"])
    refused(lambda: opened(survey), "open", Code.conflict)
    done = rules.closed(survey, None)
    assert done.state == "closed"
    refused(lambda: opened(done), "closed", Code.conflict)


def test_a_series_opens_once_a_day() -> None:
    day1 = opened(make(series=True), "2026-06-01")
    after = rules.closed(day1, None)
    refused(lambda: opened(after, "2026-06-01"), "2026-06-01", Code.conflict)
    day2 = opened(after, "2026-06-02")
    assert day2.rounds == ["2026-06-01", "2026-06-02"] and day2.round == "2026-06-02"
    waiting = rules.closed(day2, 5000)
    assert (waiting.state, waiting.opens_at) == ("scheduled", 5000)


def test_pseudonyms_link_days_not_surveys_or_events() -> None:
    same = rules.pseudonym("secret", "ev", "s1", "u1")
    assert same == rules.pseudonym("secret", "ev", "s1", "u1") and len(same) == 32
    assert same != rules.pseudonym("secret", "ev", "s2", "u1")
    assert same != rules.pseudonym("secret", "ev2", "s1", "u1")
    assert same != rules.pseudonym("other", "ev", "s1", "u1")
    assert "u1" not in same


# -- results and thresholds ----------------------------------------------------------------------
def counters(in_room: dict[str, int], remote: dict[str, int]) -> dict[str, dict[str, int]]:
    return {"in_room": in_room, "remote": remote}


def test_each_question_and_half_is_thresholded() -> None:
    survey = opened(make(min_responses=3))
    c = counters({"respondents": 1, "q1|votes": 1, "q1|r:5": 1, "q2|votes": 1, "q2|o:0": 1},
                 {"respondents": 3, "q1|votes": 3, "q1|r:2": 3, "q2|votes": 3, "q2|o:1": 3,
                  "q3|votes": 1, "q3|t:More sleep": 1})
    shown = rules.results(survey, "main", c)
    assert shown["respondents"] == 4 and shown["by_mode"] == {"in_room": None, "remote": None}
    q1, q2, q3 = shown["questions"]
    assert q2["by_mode"]["in_room"]["suppressed"] and q2["by_mode"]["remote"]["suppressed"]
    assert q1["votes"] == 4 and q1["tally"]["histogram"] == [0, 3, 0, 0, 1]
    assert q1["by_mode"]["in_room"]["suppressed"] and q1["by_mode"]["remote"]["suppressed"]
    assert q3["suppressed"] and q3["tally"] is None  # one free-text answer: never shown
    assert rules.any_suppressed(shown)
    exact = rules.results(survey, "main", c, exact=True)
    assert exact["questions"][2]["tally"] == {"answers": [{"text": "More sleep", "count": 1}]}
    rows = rules.csv_rows(survey, shown)
    assert {"survey": "Pulse", "round": "main", "question": "Anything else?", "kind": "text",
            "required": False, "answer": "", "count": "fewer than 3", "in_room": "fewer than 3",
            "remote": "fewer than 3"} in rows
    assert [r["answer"] for r in rows if r["question"] == "How rested do you feel?"] == \
        ["1 not at all", "2", "3", "4", "5 completely"]
    assert [r["answer"] for r in rows if r["kind"] == "single"] == ["Resilience", "Stress"]


def test_results_visibility() -> None:
    survey = make()
    assert not rules.public(survey)
    assert not rules.public(opened(survey))  # after_close by default
    assert rules.public(rules.closed(opened(survey), None))
    assert rules.public(opened(make(results="live")))
    assert not rules.public(rules.closed(opened(make(results="hidden")), None))


def test_trends_link_pseudonyms_only_in_aggregate_above_threshold() -> None:
    survey = make(series=True, min_responses=3)
    for day in ("d1", "d2", "d3"):
        survey = rules.closed(opened(survey, day), None)
    pulses = {"d1": {"a": {"q1": 2}, "b": {"q1": 3}, "c": {"q1": 4}, "d": {"q1": 1}},
              "d2": {"a": {"q1": 3}, "b": {"q1": 3}, "c": {"q1": 2}},
              "d3": {"a": {"q1": 4}, "e": {"q1": 5}}}
    first, second = rules.trends(survey, pulses)
    assert first == {"question": "q1", "title": "How rested do you feel?", "from": "d1",
                     "to": "d2", "linked": 3, "suppressed": False, "rose": 1, "same": 1,
                     "fell": 1, "mean_change": -0.33}
    assert second["suppressed"] and second["linked"] is None and "rose" not in second


# -- the schedule --------------------------------------------------------------------------------
def ms(text: str, tz: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def test_schedule_opens_at_nine_local_and_closes_by_midnight() -> None:
    plan = rules.Schedule(time="09:00", days=["2026-03-29", "2026-03-28"], close_after_min=960)
    tz = "Europe/Paris"  # summer time starts on 2026-03-29: 9:00 stays 9:00 on the wall
    (d1, o1, c1), (d2, o2, c2) = schedule.windows(plan, tz)
    assert (d1, o1, c1) == ("2026-03-28", ms("2026-03-28T09:00", tz), ms("2026-03-29T00:00", tz))
    assert o2 - o1 == 23 * 3600 * 1000 and d2 == "2026-03-29"
    assert schedule.step(plan, tz, o1 - 1, []) == ("wait", o1)
    assert schedule.step(plan, tz, o1, []) == ("open", "2026-03-28", c1)
    assert schedule.step(plan, tz, o1, ["2026-03-28"]) == ("wait", o2)
    assert schedule.step(plan, tz, c2, []) == ("done",)


def test_today_is_the_events_day() -> None:
    at = ms("2026-06-01T23:30", "UTC")
    assert schedule.today("UTC", at) == "2026-06-01"
    assert schedule.today("Europe/Paris", at) == "2026-06-02"
    assert schedule.today("Not/AZone", at) == "2026-06-01"
