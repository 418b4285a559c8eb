import pytest

from plenary.errors import ProtocolError
from plenary.features.moderation import rules
from plenary.features.moderation.profanity import Profanity
from plenary.features.moderation.rules import Removal


def test_nobody_removes_or_mutes_themselves() -> None:
    rules.check_target("u-1", "u-2", "remove")
    with pytest.raises(ProtocolError) as err:
        rules.check_target("u-1", "u-1", "mute")
    assert err.value.code == "bad_request"


def test_a_removal_refuses_the_token_and_is_reported_with_its_reason() -> None:
    assert rules.refusal(None) is None
    removal = Removal("u-9", "Spam", "Mod", 1234)
    assert rules.refusal(removal)
    assert rules.report_row(removal) == {"user": "u-9", "reason": "Spam", "by": "Mod",
                                         "at": 1234}


def test_english_and_french_words_are_found_and_masked_in_place() -> None:
    p = Profanity(("english", "french"))
    assert p.found("This is shit") and p.found("quelle merde")
    assert not p.found("Scunthorpe class assessment") and not p.found("How do we grow?")
    assert p.mask("Shit, quelle merde!") == "****, quelle *****!"
    assert p.mask("Nothing wrong here") == "Nothing wrong here"


def test_no_known_language_turns_the_filter_off() -> None:
    off = Profanity(("none",))
    assert off.languages == () and not off.found("shit") and off.mask("shit") == "shit"
