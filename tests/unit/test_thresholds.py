"""Privacy thresholds: every breakdown, subtraction, the staff setting, report rows."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from plenary.errors import ProtocolError
from plenary.features.polls import rules
from plenary.features.polls.rules import CreateData, Poll
from plenary.features.polls.thresholds import below, hidden_groups


def make(kind: str = "single", **fields: Any) -> Poll:
    if kind in ("single", "multiple", "ranking"):
        fields.setdefault("options", ["Yes", "No", "Maybe"])
    data = msgspec.convert({"session": "opening", "title": "Q", "kind": kind, **fields},
                           CreateData)
    return msgspec.structs.replace(rules.new_poll(data, "p1", 1000), state="open")


def counters(in_room: dict[str, int], remote: dict[str, int]) -> rules.Counters:
    return {"in_room": in_room, "remote": remote}


@pytest.mark.parametrize(("total", "groups", "minimum", "expected"), [
    (5, {"a": 2, "b": 3}, 0, (False, set())),  # no threshold
    (5, {"a": 2, "b": 3}, 1, (False, set())),  # one answer is enough: nothing to hide
    (2, {"a": 1, "b": 1}, 3, (True, {"a", "b"})),  # the total itself is below
    (0, {"a": 0, "b": 0}, 3, (False, set())),  # nothing answered reveals nobody
    (3, {"a": 1, "b": 2}, 3, (False, {"a", "b"})),  # b = 3 - a: hidden too (subtraction)
    (3, {"a": 0, "b": 3}, 3, (False, set())),  # an empty group reveals nobody
    (6, {"a": 3, "b": 3}, 3, (False, set())),
    # three groups: one small one and the smallest other hidden, until their sum reaches 3
    (12, {"a": 1, "b": 5, "c": 6}, 3, (False, {"a", "b"})),
    (12, {"a": 1, "b": 1, "c": 10}, 3, (False, {"a", "b", "c"})),
    (13, {"a": 1, "b": 2, "c": 10}, 3, (False, {"a", "b"})),  # 1 + 2 = 3: enough
])
def test_hidden_groups(total: int, groups: dict[str, int], minimum: int,
                       expected: tuple[bool, set[str]]) -> None:
    assert hidden_groups(total, groups, minimum) == expected


def test_no_hidden_group_can_be_derived_by_subtraction() -> None:
    """Exhaustively: whatever is shown, the hidden groups together hold >= minimum."""
    for a in range(8):
        for b in range(8):
            for c in range(8):
                groups = {"a": a, "b": b, "c": c}
                total_hidden, hidden = hidden_groups(a + b + c, groups, 3)
                if total_hidden or not hidden:
                    continue
                assert sum(groups[g] for g in hidden) >= 3
                assert all(groups[g] == 0 or groups[g] >= 3 for g in groups if g not in hidden)


def test_single_count_below() -> None:
    assert below(2, 3) and not below(0, 3) and not below(3, 3) and not below(1, 0)


def test_issue_case_one_in_room_two_online() -> None:
    """3 votes (1 in the room, 2 online), threshold 3: the total shows, neither half does."""
    poll = make(min_responses=3)
    shown = msgspec.to_builtins(
        rules.shown(poll, counters({"votes": 1, "o:0": 1}, {"votes": 2, "o:1": 2})))
    assert shown["votes"] == 3 and shown["tally"] == [1, 2, 0] and not shown["suppressed"]
    for half in shown["by_mode"].values():
        assert half == {"votes": None, "tally": None, "suppressed": True}
    assert shown["min_responses"] == 3


def test_total_below_threshold_is_suppressed_everywhere() -> None:
    poll = make("rating", min_responses=3)
    shown = msgspec.to_builtins(rules.shown(poll, counters({"votes": 1, "r:5": 1}, {})))
    assert shown["suppressed"] and shown["votes"] is None and shown["tally"] is None
    assert shown["by_mode"]["in_room"]["suppressed"]
    assert shown["by_mode"]["remote"] == {"votes": 0, "tally": {"mean": None,
                                                                "histogram": [0] * 5},
                                          "suppressed": False}


def test_groups_above_threshold_show() -> None:
    poll = make(min_responses=2)
    shown = msgspec.to_builtins(
        rules.shown(poll, counters({"votes": 2, "o:0": 2}, {"votes": 3, "o:1": 3})))
    assert shown["by_mode"]["in_room"] == {"votes": 2, "tally": [2, 0, 0], "suppressed": False}


def test_staff_setting_default_off_for_anonymous_on_for_named() -> None:
    assert not make().staff_below_threshold
    assert make(anonymous=False).staff_below_threshold
    assert make(staff_below_threshold=True).staff_below_threshold
    assert not make(anonymous=False, staff_below_threshold=False).staff_below_threshold


def test_staff_get_exact_results_only_where_allowed_and_needed() -> None:
    few = counters({"votes": 1, "o:0": 1}, {"votes": 2, "o:1": 2})
    assert rules.unsuppressed(make(min_responses=3), few) is None  # setting off
    exact = rules.unsuppressed(make(min_responses=3, staff_below_threshold=True), few)
    assert exact is not None and exact.by_mode["in_room"].votes == 1
    many = counters({"votes": 3, "o:0": 3}, {"votes": 3, "o:1": 3})
    assert rules.unsuppressed(make(min_responses=3, staff_below_threshold=True), many) is None


def test_report_rows_say_fewer_than_n() -> None:
    poll = make(min_responses=3)
    rows = rules.csv_rows(poll, counters({"votes": 1, "o:0": 1}, {"votes": 2, "o:1": 2}))
    assert [(r["option"], r["votes"], r["in_room"], r["remote"]) for r in rows] == [
        ("Yes", 1, "fewer than 3", "fewer than 3"), ("No", 2, "fewer than 3", "fewer than 3"),
        ("Maybe", 0, "fewer than 3", "fewer than 3")]
    hidden = rules.csv_rows(poll, counters({"votes": 1, "o:0": 1}, {}))
    assert hidden == [{"poll": "Q", "kind": "single", "state": "open", "option": "",
                       "votes": "fewer than 3", "in_room": "fewer than 3",
                       "remote": "fewer than 3"}]
    exact = rules.csv_rows(poll, counters({"votes": 1, "o:0": 1}, {}), exact=True)
    assert exact[0]["in_room"] == 1


# -- the poll kinds of issue 14 --------------------------------------------------------------
def test_ranking_ballot_and_tally() -> None:
    poll = make("ranking")
    assert rules.ballot(poll, rules.VoteData(poll="p1", ranking=[2, 0, 1])) == \
        ["k:2:1", "k:0:2", "k:1:3"]
    for bad in ([0, 1], [0, 0, 1], [0, 1, 3]):
        with pytest.raises(ProtocolError, match=r"data\.ranking"):
            rules.ballot(poll, rules.VoteData(poll="p1", ranking=bad))
    tally = rules.results(poll, counters({"votes": 2, "k:2:1": 2, "k:0:2": 2, "k:1:3": 2},
                                         {})).tally
    assert tally["ranks"] == [[0, 2, 0], [0, 0, 2], [2, 0, 0]]
    assert tally["mean_rank"] == [2.0, 3.0, 1.0]


def test_free_text_listed_as_written() -> None:
    poll = make("text")
    tally = rules.results(poll, counters({"votes": 3, "t:More breaks, please!": 1,
                                          "t:Coffee": 2}, {})).tally
    assert tally == {"answers": [{"text": "Coffee", "count": 2},
                                 {"text": "More breaks, please!", "count": 1}]}


def test_ballot_answers_read_as_option_texts() -> None:
    poll = make()
    assert rules.answer_text(poll, {"choices": [1]}) == "No"
    assert rules.answer_text(make("multiple"), {"choices": [0, 2]}) == "Yes; Maybe"
    assert rules.answer_text(make("ranking"), {"ranking": [2, 0, 1]}) == "Maybe > Yes > No"
    assert rules.answer_text(make("rating"), {"rating": 4}) == "4"


def test_reopened_gets_a_fresh_timer() -> None:
    poll = msgspec.structs.replace(make(duration_s=60), state="closed")
    again = rules.reopened(poll, 5000)
    assert again is not None and again.state == "open" and again.closes_at == 65000
    assert rules.reopened(again, 6000) is None
