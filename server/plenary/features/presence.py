"""Presence counts, a pure rule: people, not connections, split by where they sit."""

from __future__ import annotations


def counts(online: int, in_room: int) -> dict[str, int]:
    """The `presence` event's counts from the backend's `count` (people, not connections)."""
    return {"online": online, "in_room": in_room, "remote": online - in_room}
