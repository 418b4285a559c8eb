"""The rules of the floor, with no I/O: a raised hand, the queue's order, who may do what.

One hand per person per session, whatever their tabs and processes (the store makes raising
atomic); the queue is first raised, first listed. A stage grant lets one attendee publish
camera and microphone to the session until a moderator ends it or the person leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from ...errors import forbidden
from ...messages import Role


class Hand(msgspec.Struct, forbid_unknown_fields=True):
    user: str
    name: str
    mode: str
    since: int  # unix ms


class Grant(msgspec.Struct, forbid_unknown_fields=True):
    user: str
    name: str
    since: int  # unix ms


def queue(hands: Iterable[Hand]) -> list[dict[str, Any]]:
    """The `hands` event's queue: first raised first; ties (the same ms) by user id."""
    ordered = sorted(hands, key=lambda h: (h.since, h.user))
    return [msgspec.to_builtins(h) for h in ordered]


def on_stage(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(g) for g in sorted(grants, key=lambda g: (g.since, g.user))]


def check_lower(actor: str, role: Role, target: str) -> None:
    """Anyone lowers their own hand; only a moderator lowers someone else's."""
    if actor != target and role < Role.moderator:
        raise forbidden("Only a moderator lowers someone else's hand.")


def check_end(actor: str, role: Role, target: str) -> None:
    """A person leaves the stage themselves; a moderator ends anyone's turn."""
    if actor != target and role < Role.moderator:
        raise forbidden("Only a moderator ends someone else's turn on stage.")


def may_publish(role: Role, granted: bool) -> bool:
    """Who may publish to a session's stage: speakers and moderators, and attendees on it."""
    return role >= Role.speaker or granted
