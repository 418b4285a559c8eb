"""What a feature is: its commands, its part of the session snapshot and report, its topics.

A feature (sessions, qa, polls, breakouts, media) is a class deriving from `Feature`; the app
builds one of each with the shared `Services`. Guards that every handler would repeat (the
role, having joined a session, the rate limit) are declared on the `Command` and enforced
once by the dispatcher.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .auth import User
from .connection import Connection
from .messages import Role

if TYPE_CHECKING:
    from .agenda import EventDef, SessionDef
    from .services import Services

Handler = Callable[["Context", Any], Awaitable[Any]]


@dataclasses.dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` uses per user in each `window_s`, across processes."""

    bucket: str
    count: int
    window_s: int


@dataclasses.dataclass(frozen=True, slots=True)
class Command:
    type: str
    data: builtins.type[Any]
    handler: Handler
    role: Role = Role.attendee
    limit: Limit | None = None


@dataclasses.dataclass(slots=True)
class Context:
    """What a handler sees: who asks, on which connection, and the app's services."""

    services: Services
    conn: Connection
    user: User
    followups: list[Callable[[], None]] = dataclasses.field(default_factory=list)

    def after_reply(self, action: Callable[[], None]) -> None:
        """Run `action` right after the reply is queued (start events after a snapshot)."""
        self.followups.append(action)

    @property
    def event_id(self) -> str:
        return self.user.event

    async def event(self) -> EventDef:
        return await self.services.events.require(self.user.event)

    async def publish(self, topic: str, kind: str, data: Any) -> int:
        return await self.services.publish(self.user.event, topic, kind, data)


class Feature:
    name = "feature"

    def __init__(self, services: Services) -> None:
        self.services = services

    def commands(self) -> list[Command]:
        return []

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        """This feature's part of the `session.join` reply."""
        return {}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        """This feature's part of the session report."""
        return {}

    async def topic_allowed(self, user: User, topic: str) -> bool | None:
        """May `user` (re)subscribe to `topic`? None: not this feature's topic."""
        return None

    async def refuses(self, user: User) -> str | None:
        """Why `hello` must refuse `user`'s token (a moderator removed them); None: welcome."""
        return None

    async def joined(self, ctx: Context, session: SessionDef) -> None:
        """Called after a connection joined (or resumed) a session."""

    async def left(self, conn: Connection, session_id: str) -> None:
        """Called after a connection left a session or went away."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
