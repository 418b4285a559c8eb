"""Interpretation channels: the pure rules. No asyncio, no aiortc.

An interpreter (role `interpreter`, or anyone above) publishes `kind: "interpretation"`
with a `lang` to a session's stage: an audio-only publisher, listed in `media.publishers`
with its `lang`. A *language channel* is every live interpretation publisher of that
session in that language. A viewer who chooses a language subscribes to each of them
(audio only) and plays them all in place of the floor's audio; the floor's video is
untouched (no renegotiation). Booth partners hand over by their microphones
(`media.state {"audio"}`): the incoming interpreter unmutes, the outgoing one mutes, and
viewers already receive both, so there is no gap; the outgoing one may then unpublish.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ...errors import bad_request, forbidden
from ...messages import Role
from .rules import Scope, offered_kinds

# A BCP 47 language tag as conferences use them: `fr`, `en`, `es`, `pt-BR`, `zh-Hans`.
Lang = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


def check_interpretation(role: Role, scope: Scope, lang: str | None, sdp: str) -> None:
    """May this publish be an interpretation channel: an interpreter (or above), on a
    session's stage, with a language, sending audio and nothing else?"""
    if role < Role.interpreter:
        raise forbidden("Only interpreters (and speakers, moderators) publish interpretation.")
    if scope.kind != "session":
        raise bad_request("data.session: interpretation is published to a session's stage.")
    if lang is None:
        raise bad_request("data.lang: an interpretation channel needs its language.")
    if offered_kinds(sdp) != ["audio"]:
        raise bad_request("data.sdp: an interpretation channel sends audio only.")


def check_not_interpretation(lang: str | None) -> None:
    """A camera or a screen has no language."""
    if lang is not None:
        raise bad_request("data.lang: only `kind: \"interpretation\"` has a language.")
