"""The envelope and typed data: every malformed input becomes a precise bad_request."""

from __future__ import annotations

import msgspec
import pytest

from plenary.errors import Code, ProtocolError
from plenary.messages import MAX_ID, FrameError, Slug, clean_text, convert, parse_frame


class Vote(msgspec.Struct, forbid_unknown_fields=True):
    question: str
    up: bool


def test_a_command_parses_into_id_type_and_data() -> None:
    env = parse_frame('{"id": 17, "type": "qa.vote", "data": {"question": "q1", "up": true}}')
    assert (env.id, env.type, env.data) == (17, "qa.vote", {"question": "q1", "up": True})


def test_data_may_be_omitted() -> None:
    assert parse_frame('{"id": 1, "type": "session.leave"}').data == {}


@pytest.mark.parametrize(
    ("frame", "expected_id", "words"),
    [
        ("not json", None, "not valid JSON"),
        ('[{"id": 1, "type": "hello"}]', None, "one JSON object"),
        ('"hello"', None, "one JSON object"),
        ('{"type": "hello"}', None, "`id`"),
        ('{"id": "7", "type": "hello"}', None, "`id`"),
        ('{"id": true, "type": "hello"}', None, "`id`"),
        ('{"id": -1, "type": "hello"}', None, "`id`"),
        ('{"id": 99999999999999999999999, "type": "hello"}', None, "`id`"),
        ('{"id": 3}', 3, "`type`"),
        ('{"id": 3, "type": ""}', 3, "`type`"),
        ('{"id": 3, "type": "qa.ask", "data": [1]}', 3, "`data`"),
    ],
)
def test_malformed_frames_are_bad_requests_with_what_id_can_be_saved(
        frame: str, expected_id: int | None, words: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(frame)
    assert caught.value.command_id == expected_id
    assert caught.value.error.code is Code.bad_request
    assert words in caught.value.error.message


def test_the_largest_id_a_browser_holds_exactly_is_accepted() -> None:
    assert parse_frame('{"id": %d, "type": "x"}' % MAX_ID).id == MAX_ID


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"question": "q1"}, "data: object missing required field `up`"),
        ({"question": "q1", "up": "yes"}, "data.up: expected `bool`, got `str`"),
        ({"question": 5, "up": True}, "data.question: expected `str`, got `int`"),
        ({"question": "q1", "up": True, "extra": 1}, "data: object contains unknown field"),
    ],
)
def test_invalid_data_names_the_field_and_why(data: dict[str, object], words: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        convert(data, Vote)
    assert caught.value.code is Code.bad_request
    assert words in caught.value.message


def test_slugs_are_checked() -> None:
    assert convert("opening-2", Slug) == "opening-2"
    with pytest.raises(ProtocolError):
        convert("Opening!", Slug)


def test_text_is_trimmed_and_counted_in_code_points() -> None:
    assert clean_text("  Hé 👋  ", "text") == "Hé 👋"
    assert clean_text("é" * 500, "text") == "é" * 500
    for bad in ("", "   ", "x" * 501, "a\x00b"):
        with pytest.raises(ProtocolError) as caught:
            clean_text(bad, "text")
        assert "data.text" in caught.value.message


@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_deep_nesting_is_a_bad_request_not_a_crash(depth: int) -> None:
    frame = '{"id": 3, "type": "qa.ask", "data": {"x": ' + "[" * depth + "]" * depth + "}}"
    with pytest.raises(FrameError) as caught:
        parse_frame(frame)
    assert caught.value.error.code == "bad_request" and "deeper" in caught.value.error.message
    assert parse_frame('{"id": 3, "type": "t", "data": {"x": ' + "[" * 30 + "]" * 30 + "}}")
