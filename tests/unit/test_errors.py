"""Error replies: a stable code, the field they concern and, when rate-limited, the wait."""

from __future__ import annotations

import pytest

from plenary.errors import Code, ProtocolError, bad_request, field_of, rate_limited


@pytest.mark.parametrize(("message", "field"), [
    ("data.options: a single poll needs 2 to 50 options.", "options"),
    ("data.rooms[2]: must be 1 to 40 characters.", "rooms[2]"),
    ("data.poll.title: expected str.", "poll.title"),
    ("name: must be 1–80 characters after trimming.", "name"),
    ("data: give `live` or `qa_moderated`.", None),
    ("The frame is not valid JSON: truncated.", None),
    ("`id` must be an integer from 0 to 9.", None),
    ("Unknown command type `x`.", None),
])
def test_the_field_is_read_from_the_path_a_message_starts_with(message: str,
                                                               field: str | None) -> None:
    assert field_of(message) == field
    assert bad_request(message).as_dict().get("field") == field


def test_an_explicit_field_wins_and_other_codes_carry_none() -> None:
    assert bad_request("Nothing to say.", field="text").as_dict() == {
        "code": "bad_request", "message": "Nothing to say.", "field": "text"}
    assert ProtocolError(Code.forbidden, "No.").as_dict() == {"code": "forbidden",
                                                               "message": "No."}


@pytest.mark.parametrize(("wait", "seconds"), [(0.01, 1), (1, 1), (1.2, 2), (59.5, 60)])
def test_rate_limited_says_whole_seconds_to_wait(wait: float, seconds: int) -> None:
    assert rate_limited("Slow down.", wait).as_dict() == {
        "code": "rate_limited", "message": "Slow down.", "retry_after": seconds}
