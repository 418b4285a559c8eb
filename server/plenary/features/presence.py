"""Presence counts, a pure rule: people, not connections, split by where they sit."""

from __future__ import annotations


def counts(members: dict[str, str]) -> dict[str, int]:
    """`members` maps each present user to their mode (see backends.memory.merge_modes)."""
    in_room = sum(1 for mode in members.values() if mode == "in_room")
    return {"online": len(members), "in_room": in_room, "remote": len(members) - in_room}
