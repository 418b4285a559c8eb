"""Webhook rules without a server: which events make which webhooks, back-off, signatures."""

from __future__ import annotations

from plenary.webhooks.rules import next_try, occurrences
from plenary.webhooks.signing import signature, verify


def kinds(topic: str, kind: str, data: object, live_before: bool | None = None) -> list[str]:
    return [o.kind for o in occurrences(topic, kind, data, live_before)]


def test_a_session_going_live_and_ending() -> None:
    live = {"session": {"id": "s", "title": "S", "live": True}}
    idle = {"session": {"id": "s", "title": "S", "live": False}}
    assert kinds("session:s", "session.updated", live, None) == ["session.started"]
    assert kinds("session:s", "session.updated", live, True) == []  # another switch changed
    assert kinds("session:s", "session.updated", idle, True) == ["session.ended", "report.ready"]
    assert kinds("session:s", "session.updated", idle, None) == []


def test_poll_results_count_once_final_and_as_attendees_see_them() -> None:
    final = {"poll": "p1", "votes": 3, "tally": [2, 1], "final": True}
    assert kinds("session:s", "poll.results", {**final, "final": False}) == []
    public = occurrences("session:s", "poll.results", final, None)[0]
    assert public.data == {"poll": "p1", "results": final, "withheld": False}
    assert public.once == "poll:p1"
    staff = occurrences("session:s:staff", "poll.results", final, None)[0]
    assert staff.data == {"poll": "p1", "results": None, "withheld": True}


def test_questions_and_reports() -> None:
    answered = {"question": {"id": "q1", "status": "answered", "text": "?"}}
    assert kinds("session:s", "qa.question", answered) == ["question.answered"]
    assert kinds("session:s:staff", "qa.question", answered) == []  # the session's copy counts
    assert kinds("session:s", "qa.question", {"question": {"id": "q", "status": "visible"}}) == []
    assert kinds("room:r1", "breakout.report", {"room": "r1", "report": {}}) == [
        "breakout.report_submitted"]


def test_back_off_doubles_then_gives_up() -> None:
    assert [next_try(n, 4, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, None]


def test_signatures_verify_only_for_the_same_secret_body_and_recent_time() -> None:
    header = signature("whsec_x", 1_000_000, b'{"a":1}')
    assert verify("whsec_x", header, b'{"a":1}', now=1_000_010)
    assert not verify("whsec_y", header, b'{"a":1}', now=1_000_010)
    assert not verify("whsec_x", header, b'{"a":2}', now=1_000_010)
    assert not verify("whsec_x", header, b'{"a":1}', now=1_000_400)
    assert not verify("whsec_x", "garbage", b'{"a":1}', now=1_000_010)
