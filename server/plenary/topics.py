"""Topic names as clients see them. Every topic string is spelled here and nowhere else.

- `session:<id>`        everyone in the session
- `session:<id>:staff`  speakers and moderators of the session (the moderation queue)
- `user:<id>`           one person, on all their connections (own pending questions, moves)
- `room:<id>`           the members of one breakout room (and visiting moderators)
"""

from __future__ import annotations


def session(session_id: str) -> str:
    return f"session:{session_id}"


def staff(session_id: str) -> str:
    return f"session:{session_id}:staff"


def user(user_id: str) -> str:
    return f"user:{user_id}"


def room(room_id: str) -> str:
    return f"room:{room_id}"


def parse(topic: str) -> tuple[str, str, bool]:
    """('session', 'opening', False) for `session:opening`; True marks the staff topic."""
    kind, _, rest = topic.partition(":")
    if kind == "session" and rest.endswith(":staff"):
        return kind, rest[: -len(":staff")], True
    return kind, rest, False
