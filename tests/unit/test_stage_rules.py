import pytest

from plenary.errors import ProtocolError
from plenary.features.stage import rules
from plenary.features.stage.rules import Grant, Hand
from plenary.messages import Role


def test_the_queue_is_first_raised_first_with_ties_by_user() -> None:
    hands = [Hand("u-c", "Cy", "remote", 30), Hand("u-b", "Bo", "in_room", 10),
             Hand("u-a", "Ana", "remote", 10)]
    assert [h["user"] for h in rules.queue(hands)] == ["u-a", "u-b", "u-c"]
    assert rules.queue(hands)[0] == {"user": "u-a", "name": "Ana", "mode": "remote", "since": 10}


def test_on_stage_is_listed_in_the_order_people_came_up() -> None:
    grants = [Grant("u-2", "B", 20), Grant("u-1", "A", 5)]
    assert [g["user"] for g in rules.on_stage(grants)] == ["u-1", "u-2"]


def test_only_moderators_lower_or_end_for_someone_else() -> None:
    rules.check_lower("u-1", Role.attendee, "u-1")
    rules.check_lower("u-1", Role.moderator, "u-2")
    rules.check_end("u-1", Role.attendee, "u-1")
    for check in (rules.check_lower, rules.check_end):
        with pytest.raises(ProtocolError) as err:
            check("u-1", Role.speaker, "u-2")
        assert err.value.code == "forbidden"


def test_attendees_publish_to_the_stage_only_with_a_grant() -> None:
    assert rules.may_publish(Role.speaker, False) and rules.may_publish(Role.moderator, False)
    assert not rules.may_publish(Role.attendee, False)
    assert rules.may_publish(Role.attendee, True)
