"""Attendance figures from stays: people not connections, peaks, averages, the index."""

from __future__ import annotations

from plenary.features.engagement.rules import (
    Stay,
    engagement_index,
    merged,
    minutes_by_person,
    peak,
    session_figures,
    unique,
)

MIN = 60_000


def test_two_tabs_are_one_person() -> None:
    stays = [Stay("a", "remote", 0, 10 * MIN), Stay("a", "remote", 5 * MIN, 20 * MIN)]
    assert merged(stays) == {"a": [(0, 20 * MIN)]}
    assert peak(merged(stays)) == 1


def test_session_figures() -> None:
    stays = [Stay("a", "in_room", 0, 60 * MIN), Stay("b", "remote", 0, 30 * MIN),
             Stay("c", "remote", 30 * MIN, 60 * MIN), Stay("b", "in_room", 40 * MIN, 50 * MIN)]
    figures = session_figures(stays, 0, 60 * MIN)
    assert figures == {"attendees": 3, "in_room": 2, "remote": 1, "peak": 3,
                       "average_concurrent": 2.2, "average_minutes": 43.3,
                       "length_minutes": 60.0}
    # b leaves at 30 as c arrives: a departure counts first, so never 2 at once
    assert peak(merged([Stay("b", "remote", 0, 30 * MIN), Stay("c", "remote", 30 * MIN,
                                                               60 * MIN)])) == 1
    assert session_figures([]) == {"attendees": 0, "in_room": 0, "remote": 0, "peak": 0,
                                   "average_concurrent": 0.0, "average_minutes": 0.0,
                                   "length_minutes": 0.0}
    observed = session_figures([Stay("a", "remote", 10 * MIN, 40 * MIN)])
    assert observed["length_minutes"] == 30.0 and observed["average_concurrent"] == 1.0


def test_minutes_and_the_index() -> None:
    assert minutes_by_person([Stay("a", "remote", 0, 90 * MIN // 2)]) == {"a": 45.0}
    assert engagement_index(60, 60, 3) == 100
    assert engagement_index(30, 60, 0) == 30
    assert engagement_index(0, 60, 1) == 13
    assert engagement_index(10, 0, 9) == 40


def test_unique_over_sessions() -> None:
    assert unique([[Stay("a", "remote", 0, 1)], [Stay("a", "in_room", 2, 3),
                                                 Stay("b", "remote", 2, 3)]]) == 2
