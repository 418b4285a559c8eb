import pytest

from plenary.errors import ProtocolError
from plenary.features.chat import rules
from plenary.features.chat.rules import Message


def test_the_wire_form_names_the_author_and_never_the_seq() -> None:
    m = Message("m-1", "u-1", "Zoë", "Bonjour", 1234, seq=9)
    assert rules.public(m) == {"id": "m-1", "user": {"id": "u-1", "name": "Zoë"},
                               "text": "Bonjour", "at": 1234}


def test_a_closed_chat_refuses_attendees_with_its_own_code() -> None:
    rules.check_open(True, staff=False)
    rules.check_open(False, staff=True)
    with pytest.raises(ProtocolError) as err:
        rules.check_open(False, staff=False)
    assert err.value.code == "chat_closed"


def test_slow_mode_slows_attendees_only() -> None:
    assert rules.slowed(30, staff=False) == 30
    assert rules.slowed(30, staff=True) == 0
    assert rules.slowed(0, staff=False) == 0
    assert rules.slow_error(30).code == "rate_limited"
