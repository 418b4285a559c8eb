from __future__ import annotations

import jwt
import pytest

from plenary.auth import issue_token, read_token
from plenary.errors import Code, ProtocolError
from plenary.messages import Role

SECRET = "k" * 32


def test_a_token_carries_who_where_and_what_role() -> None:
    token = issue_token(SECRET, event="hrm", name="Zoë", role=Role.speaker, ttl_s=60)
    user = read_token(SECRET, token)
    assert (user.event, user.name, user.role) == ("hrm", "Zoë", Role.speaker)
    assert user.can(Role.attendee) and user.can(Role.speaker) and not user.can(Role.moderator)
    assert user.is_staff


@pytest.mark.parametrize("mutate", ["expired", "tampered", "other-secret", "garbage", "no-role"])
def test_flawed_tokens_are_unauthorized(mutate: str) -> None:
    token = issue_token(SECRET, event="hrm", name="A", role=Role.attendee, ttl_s=60)
    if mutate == "expired":
        token = issue_token(SECRET, event="hrm", name="A", role=Role.attendee, ttl_s=-10)
    elif mutate == "tampered":
        head, body, sig = token.split(".")
        token = ".".join([head, body[:-2] + ("AA" if body[-2:] != "AA" else "BB"), sig])
    elif mutate == "other-secret":
        token = issue_token("x" * 32, event="hrm", name="A", role=Role.attendee, ttl_s=60)
    elif mutate == "garbage":
        token = "not.a.token"
    elif mutate == "no-role":
        token = jwt.encode({"sub": "u", "name": "A", "event": "hrm", "exp": 2**40}, SECRET)
    with pytest.raises(ProtocolError) as caught:
        read_token(SECRET, token)
    assert caught.value.code is Code.unauthorized
