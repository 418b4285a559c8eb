import pytest

from plenary.errors import ProtocolError
from plenary.features.breakouts.rules import Breakout, Room
from plenary.features.breakouts.sharing import chosen, option
from plenary.features.breakouts.store import Report

B = Breakout(id="b-1", event="e", session="s", assign="self",
             rooms=[Room("r-1", "Red"), Room("r-2", "Blue"), Room("r-3", "Green")])
REPORTS = {"r-1": Report("Mentoring", "u", "Ana", 1.0), "r-3": Report("Pilot", "u", "Bo", 2.0)}


def test_chosen_reports_come_in_the_rooms_order_with_their_names() -> None:
    shown = chosen(B, REPORTS, ["r-3", "r-1"])
    assert [(r["name"], r["text"], r["by"]) for r in shown] == [
        ("Red", "Mentoring", {"name": "Ana"}), ("Green", "Pilot", {"name": "Bo"})]
    assert chosen(B, REPORTS, []) == []


def test_a_room_without_a_report_or_of_another_round_is_refused() -> None:
    for rooms in (["r-2"], ["r-9"]):
        with pytest.raises(ProtocolError) as err:
            chosen(B, REPORTS, rooms)
        assert err.value.code == "bad_request"


def test_a_poll_option_names_its_room_within_the_limit() -> None:
    assert option({"name": "Red", "text": "Fund\n the   scheme"}) == "Red: Fund the scheme"
    long = option({"name": "Red", "text": "x" * 500})
    assert len(long) == 200 and long.endswith("…")
