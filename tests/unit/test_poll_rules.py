"""The pure rules of polls: creating, validating votes, tallies, visibility, report rows."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from plenary.errors import Code, ProtocolError
from plenary.features.polls import rules
from plenary.features.polls.rules import CreateData, Poll, VoteData


def make(kind: str = "single", **fields: Any) -> Poll:
    if kind in ("single", "multiple"):
        fields.setdefault("options", ["Yes", "No", "Maybe"])
    data = msgspec.convert({"session": "opening", "title": "Q", "kind": kind, **fields},
                           CreateData)
    return rules.new_poll(data, "p1", 1000)


def refused(call: Any, field: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        call()
    assert caught.value.code is Code.bad_request
    assert f"data.{field}" in caught.value.message


def results(poll: Poll, counters: rules.Counters) -> Any:
    """The results as they go on the wire."""
    return msgspec.to_builtins(rules.results(poll, counters))


def vote(**fields: Any) -> VoteData:
    return VoteData(poll="p1", **fields)


def conflict(call: Any) -> str:
    with pytest.raises(ProtocolError) as caught:
        call()
    assert caught.value.code is Code.conflict
    return caught.value.message


# -- states --------------------------------------------------------------------------------------
def test_a_poll_goes_draft_open_closed_and_never_back() -> None:
    draft = make(duration_s=30)
    opened = rules.opened(draft, 5000)
    assert opened is not None and (opened.state, opened.closes_at) == ("open", 35000)
    assert rules.opened(opened, 6000) is None  # open already: nothing to do
    untimed = rules.opened(make(), 5000)
    assert untimed is not None and untimed.closes_at is None
    assert "draft" in conflict(lambda: rules.closed(draft))
    closed = rules.closed(opened)
    assert closed is not None and closed.state == "closed"
    assert rules.closed(closed) is None  # closed already
    assert "does not open again" in conflict(lambda: rules.opened(closed, 7000))


def test_the_timer_closes_only_an_open_poll() -> None:
    opened = rules.opened(make(duration_s=30), 5000)
    assert opened is not None
    timed = rules.timed_out(opened)
    assert timed is not None and timed.state == "closed"
    assert rules.timed_out(make()) is None and rules.timed_out(None) is None
    assert rules.timed_out(timed) is None


def test_votes_go_to_open_polls_only() -> None:
    opened = rules.opened(make(), 5000)
    assert opened is not None
    rules.check_open(opened)
    for poll in (make(), rules.closed(opened)):
        with pytest.raises(ProtocolError) as caught:
            rules.check_open(poll)  # type: ignore[arg-type]
        assert caught.value.code is Code.poll_closed


def test_a_polls_own_events_go_to_staff_while_a_draft() -> None:
    assert rules.state_audience(make()) == "staff"
    assert rules.state_audience(rules.opened(make(), 1)) == "session"  # type: ignore[arg-type]


# -- creating ------------------------------------------------------------------------------------
def test_new_poll_defaults() -> None:
    poll = make()
    assert (poll.state, poll.anonymous, poll.results, poll.allow_change) == \
        ("draft", True, "live", False)
    assert poll.max_choices is None and poll.scale is None and poll.closes_at is None
    assert make("multiple").max_choices == 3
    assert make("rating").scale == 5


def test_new_poll_keeps_what_the_moderator_chose() -> None:
    """A named poll must never silently become a secret ballot (nor lose allow_change)."""
    poll = make("multiple", anonymous=False, allow_change=True, results="after_close",
                max_choices=3, duration_s=90, min_responses=4)
    assert (poll.anonymous, poll.allow_change, poll.results) == (False, True, "after_close")
    assert (poll.max_choices, poll.duration_s, poll.min_responses) == (3, 90, 4)
    assert (poll.id, poll.session, poll.created_at, poll.state) == ("p1", "opening", 1000,
                                                                     "draft")
    assert make("multiple", max_choices=1).max_choices == 1


@pytest.mark.parametrize(("kind", "fields", "field"), [
    ("single", {"options": ["only one"]}, "options"),
    ("single", {"options": ["A", " a "]}, "options"),
    ("single", {"options": ["A", "   "]}, "options[1]"),
    ("rating", {"options": ["A", "B"]}, "options"),
    ("single", {"max_choices": 2}, "max_choices"),
    ("multiple", {"max_choices": 4}, "max_choices"),
    ("text", {"scale": 7}, "scale"),
    ("wordcloud", {"title": "  "}, "title"),
])
def test_bad_polls_name_the_field(kind: str, fields: dict[str, Any], field: str) -> None:
    refused(lambda: make(kind, **fields), field)


# -- voting --------------------------------------------------------------------------------------
def test_ballots_per_kind() -> None:
    assert rules.ballot(make(), vote(choices=[2])) == ["o:2"]
    assert rules.ballot(make("multiple"), vote(choices=[2, 0])) == ["o:0", "o:2"]
    assert rules.ballot(make("rating", scale=7), vote(rating=7)) == ["r:7"]
    assert rules.ballot(make("rating"), vote(rating=1)) == ["r:1"]  # the lowest rating counts
    assert rules.ballot(make("rating"), vote(rating=5)) == ["r:5"]  # and the highest
    assert rules.ballot(make("wordcloud"), vote(text="  Re\tSILIENCE  ")) == ["w:re silience"]
    # Free text is kept as written (trimmed only): no folding, no lowercasing.
    assert rules.ballot(make("text"), vote(text=" \uff28ello  World ")) == ["t:\uff28ello  World"]


@pytest.mark.parametrize(("kind", "fields", "given", "field"), [
    ("single", {}, {"choices": [3]}, "choices[0]"),
    ("single", {}, {"choices": [-1]}, "choices[0]"),
    ("single", {}, {"choices": [0, 1]}, "choices"),
    ("single", {}, {"choices": []}, "choices"),
    ("multiple", {}, {"choices": [1, 1]}, "choices"),
    ("multiple", {"max_choices": 2}, {"choices": [0, 1, 2]}, "choices"),
    ("single", {}, {"rating": 1}, "rating"),
    ("single", {}, {}, "choices"),
    ("rating", {}, {"rating": 0}, "rating"),
    ("rating", {}, {"rating": 6}, "rating"),
    ("rating", {}, {"text": "5"}, "text"),
    ("text", {}, {"text": "   "}, "text"),
    ("wordcloud", {}, {"text": "x" * 201}, "text"),
    ("wordcloud", {}, {"choices": [0]}, "choices"),
])
def test_bad_votes_name_the_field(kind: str, fields: dict[str, Any], given: dict[str, Any],
                                  field: str) -> None:
    poll = make(kind, **fields)
    refused(lambda: rules.ballot(poll, vote(**given)), field)


def test_text_of_200_characters_after_trimming_is_fine() -> None:
    assert rules.ballot(make("text"), vote(text=" " + "x" * 200 + " ")) == ["t:" + "x" * 200]


# -- tallies -------------------------------------------------------------------------------------
def test_choice_tally_and_by_mode() -> None:
    counters = {"in_room": {"votes": 2, "o:0": 2}, "remote": {"votes": 3, "o:0": 1, "o:2": 2}}
    result = results(make(), counters)
    assert result["votes"] == 5 and result["tally"] == [3, 0, 2]
    assert result["by_mode"] == {"in_room": {"votes": 2, "tally": [2, 0, 0]},
                                 "remote": {"votes": 3, "tally": [1, 0, 2]}}
    assert result["final"] is False and result["poll"] == "p1"


def test_rating_mean_and_histogram() -> None:
    poll = make("rating", scale=4)
    counters = {"in_room": {"votes": 3, "r:1": 1, "r:4": 2}, "remote": {}}
    result = results(poll, counters)
    assert result["tally"] == {"mean": 3.0, "histogram": [1, 0, 0, 2]}
    assert result["by_mode"]["remote"] == {"votes": 0, "tally": {"mean": None,
                                                                  "histogram": [0, 0, 0, 0]}}
    assert rules.mean([1, 1, 1]) == 2.0
    assert rules.mean([0, 2, 1]) == 2.33


def test_words_sorted_by_count_then_word() -> None:
    counters = {"in_room": {"votes": 3, "w:b": 1, "w:a": 1, "w:c": 1},
                "remote": {"votes": 1, "w:c": 1, "w:gone": 0}}
    words = results(make("wordcloud"), counters)["tally"]["words"]
    assert list(words.items()) == [("c", 2), ("a", 1), ("b", 1)]  # the order, not just the set


def test_results_with_no_votes_count_zero() -> None:
    empty = results(make(), {})
    assert (empty["votes"], empty["tally"]) == (0, [0, 0, 0])
    assert empty["by_mode"] == {"in_room": {"votes": 0, "tally": [0, 0, 0]},
                                "remote": {"votes": 0, "tally": [0, 0, 0]}}


def test_a_snapshot_shows_results_to_those_who_may_see_them() -> None:
    counters = {"remote": {"votes": 1, "o:2": 1}}
    live = rules.opened(make(), 1)
    assert live is not None
    seen = msgspec.to_builtins(rules.seen(live, counters, voted=True, staff=False))
    assert seen["my_vote"] is True and seen["id"] == "p1" and seen["state"] == "open"
    assert seen["outcome"]["tally"] == [0, 0, 1] and "raw_outcome" not in seen
    hidden = msgspec.structs.replace(live, results="hidden")
    assert "outcome" not in msgspec.to_builtins(rules.seen(hidden, counters, voted=False,
                                                           staff=False))
    staff = msgspec.to_builtins(rules.seen(hidden, counters, voted=False, staff=True))
    assert staff["my_vote"] is False and staff["outcome"]["votes"] == 1
    few = msgspec.structs.replace(live, min_responses=3, staff_below_threshold=True)
    exact = msgspec.to_builtins(rules.seen(few, counters, voted=False, staff=True))
    assert exact["outcome"]["suppressed"] is True and exact["raw_outcome"]["votes"] == 1
    assert "raw_outcome" not in msgspec.to_builtins(
        rules.seen(msgspec.structs.replace(few, results="live", min_responses=0), counters,
                   voted=False, staff=True))


def test_results_are_final_once_the_poll_closes() -> None:
    counters = {"remote": {"votes": 1, "o:0": 1}}
    opened = rules.opened(make(), 1)
    assert opened is not None and results(opened, counters)["final"] is False
    closed = rules.closed(opened)
    assert closed is not None and results(closed, counters)["final"] is True
    assert results(closed, counters)["poll"] == "p1"


def test_fold() -> None:
    assert rules.fold("Resilience") == rules.fold(" resilience ") == "resilience"
    assert rules.fold("STRASSE") == rules.fold("straße")
    assert rules.fold("  work \n life ") == "work life"


# -- visibility ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("results", "state", "minimum", "answered", "public"), [
    ("live", "draft", 0, 0, False),
    ("live", "open", 0, 0, True),
    ("live", "open", 3, 2, False),
    ("live", "open", 3, 3, True),
    ("live", "closed", 3, 2, False),
    ("after_close", "open", 0, 10, False),
    ("after_close", "closed", 0, 10, True),
    ("after_close", "closed", 20, 10, False),
    ("hidden", "open", 0, 10, False),
    ("hidden", "closed", 0, 10, False),
])
def test_results_public(results: str, state: str, minimum: int, answered: int,
                        public: bool) -> None:
    poll = msgspec.structs.replace(make(results=results, min_responses=minimum), state=state)
    assert rules.results_public(poll, answered) is public


def test_drafts_are_staff_only() -> None:
    poll = make()
    assert not rules.state_public(poll)
    assert rules.state_public(msgspec.structs.replace(poll, state="open"))


def test_csv_rows() -> None:
    counters = {"in_room": {"votes": 1, "o:1": 1}, "remote": {"votes": 2, "o:1": 2}}
    rows = rules.csv_rows(make(), counters)
    assert [r["option"] for r in rows] == ["Yes", "No", "Maybe"]
    assert rows[1] == {"poll": "Q", "kind": "single", "state": "draft", "option": "No",
                       "votes": 3, "in_room": 1, "remote": 2}
    words = rules.csv_rows(make("wordcloud"), {"in_room": {"votes": 1, "w:hope": 1}})
    assert [(r["option"], r["votes"]) for r in words] == [("hope", 1)]
    rating = rules.csv_rows(make("rating", scale=3), {"remote": {"votes": 2, "r:3": 2}})
    assert [(r["option"], r["votes"], r["remote"]) for r in rating] == \
        [("1", 0, 0), ("2", 0, 0), ("3", 2, 2)]
