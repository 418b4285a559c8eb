from __future__ import annotations

from plenary.backends.memory import merge_modes
from plenary.membership import counts


def test_a_person_counts_once_and_in_the_room_if_any_device_is() -> None:
    members = merge_modes([("ana", "remote"), ("ana", "remote"), ("ben", "in_room"),
                           ("cleo", "remote"), ("cleo", "in_room")])
    assert members == {"ana": "remote", "ben": "in_room", "cleo": "in_room"}


def test_counts_split_the_room_and_online() -> None:
    assert counts(3, 2) == {"online": 3, "in_room": 2, "remote": 1}
    assert counts(0, 0) == {"online": 0, "in_room": 0, "remote": 0}
