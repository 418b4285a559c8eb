from __future__ import annotations

from plenary.backends.memory import merge_modes
from plenary.features.presence import counts


def test_presence_counts_people_not_connections() -> None:
    members = merge_modes([("ana", "remote"), ("ana", "remote"), ("ben", "in_room"),
                           ("cleo", "remote"), ("cleo", "in_room")])
    assert counts(members) == {"online": 3, "in_room": 2, "remote": 1}


def test_nobody_present() -> None:
    assert counts({}) == {"online": 0, "in_room": 0, "remote": 0}
