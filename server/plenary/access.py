"""Who may (re)subscribe to which topic: the one rule behind resumes and feature checks.

`user:<id>` is its owner's, `session:<s>` everyone's in the event (`:staff` for speakers and
moderators), and every other kind belongs to the feature that answers for it (`room:…`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from . import topics
from .auth import User
from .errors import ProtocolError
from .events import Events
from .messages import Ident, convert


class TopicOwner(Protocol):
    async def topic_allowed(self, user: User, topic: str) -> bool | None:
        """None: not this owner's topic."""


async def topic_allowed(events: Events, owners: Iterable[TopicOwner], user: User,
                        topic: str) -> bool:
    kind, ident, staff_only = topics.parse(topic)
    if not _valid_ident(ident):
        return False
    if kind == "user":
        return ident == user.id
    if kind == "session":
        event = await events.get(user.event)
        return event is not None and event.session(ident) is not None and (
            user.is_staff or not staff_only)
    for owner in owners:
        verdict = await owner.topic_allowed(user, topic)
        if verdict is not None:
            return verdict
    return False


def _valid_ident(value: str) -> bool:
    try:
        convert(value, Ident)
    except ProtocolError:
        return False
    return True
