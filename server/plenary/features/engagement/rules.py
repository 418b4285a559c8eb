"""Attendance and engagement, pure: stays in, figures out; no I/O, no clock.

A *stay* is one connection's time in a session: who (a user id in a named event, else a
keyed pseudonym), where they sat (in_room | remote) and from when to when (unix ms). A
person with two tabs has two overlapping stays: every figure first merges a person's stays,
so people are counted, never connections.

The engagement index of one attendee in one session (documented in docs/protocol/surveys.md):

    index = round(100 * (0.6 * presence + 0.4 * participation))
    presence      = min(1, minutes present / the session's length)
    participation = min(1, actions / 3)
    actions       = questions asked + poll answers + survey submissions + breakout rooms

A session's length is its agenda times (`starts_at` … `ends_at`) when both are given, else
the span from the first arrival to the last departure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

PRESENCE_WEIGHT, PARTICIPATION_WEIGHT = 0.6, 0.4
FULL_PARTICIPATION = 3  # actions for a participation of 1


@dataclasses.dataclass(frozen=True, slots=True)
class Stay:
    who: str
    mode: str
    start: int
    end: int


def merged(stays: Iterable[Stay]) -> dict[str, list[tuple[int, int]]]:
    """Each person's time present as disjoint intervals, in order."""
    by_who: dict[str, list[tuple[int, int]]] = {}
    for stay in sorted(stays, key=lambda s: (s.who, s.start)):
        spans = by_who.setdefault(stay.who, [])
        if spans and stay.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], stay.end))
        else:
            spans.append((stay.start, max(stay.start, stay.end)))
    return by_who


def present_ms(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


def peak(by_who: dict[str, list[tuple[int, int]]]) -> int:
    """The most people present at once (a departure at t counts before an arrival at t)."""
    edges = sorted((t, step) for spans in by_who.values() for start, end in spans
                   for t, step in ((start, 1), (end, -1)))
    best = current = 0
    for _, step in edges:
        current += step
        best = max(best, current)
    return best


def span(stays: list[Stay], starts_at: int | None, ends_at: int | None) -> int:
    if starts_at is not None and ends_at is not None and ends_at > starts_at:
        return ends_at - starts_at
    if not stays:
        return 0
    return max(s.end for s in stays) - min(s.start for s in stays)


def session_figures(stays: list[Stay], starts_at: int | None = None,
                    ends_at: int | None = None) -> dict[str, Any]:
    """Unique attendees (in the room wins for someone who was in both), peak and average
    concurrent, average minutes present."""
    by_who = merged(stays)
    in_room = {s.who for s in stays if s.mode == "in_room"}
    length = span(stays, starts_at, ends_at)
    total = sum(present_ms(spans) for spans in by_who.values())
    people = len(by_who)
    return {"attendees": people, "in_room": len(in_room), "remote": people - len(in_room),
            "peak": peak(by_who),
            "average_concurrent": round(total / length, 1) if length else 0.0,
            "average_minutes": round(total / people / 60000, 1) if people else 0.0,
            "length_minutes": round(length / 60000, 1)}


def minutes_by_person(stays: list[Stay]) -> dict[str, float]:
    return {who: round(present_ms(spans) / 60000, 1) for who, spans in merged(stays).items()}


def engagement_index(minutes: float, length_minutes: float, actions: int) -> int:
    presence = min(1.0, minutes / length_minutes) if length_minutes else 0.0
    participation = min(1.0, actions / FULL_PARTICIPATION)
    return round(100 * (PRESENCE_WEIGHT * presence + PARTICIPATION_WEIGHT * participation))


def unique(groups: Iterable[list[Stay]]) -> int:
    """People present in any of several sessions (a day, a module), each counted once."""
    return len({s.who for stays in groups for s in stays})
