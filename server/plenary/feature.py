"""What a feature is: its commands, its part of the session snapshot and report, its topics.

A feature (qa, polls, breakouts, media) is a class deriving from `Feature`; the app builds
one of each with the `Host`, the narrow part of the app's services a feature may use. The
guards every handler would repeat are declared on the `Command` and enforced once by the
dispatcher: the role, the rate limit, and having joined the session the data names
(`session=`). A command whose data names an object instead (a poll, a room) calls
`await ctx.require_joined(obj.session)` after loading it.
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from .auth import User
from .backends.base import Broker, Presence, Scheduler, StoreKind
from .clock import Clock
from .connection import Connection
from .errors import not_joined
from .events import Events
from .messages import Role
from .metrics import Metrics
from .settings import Settings

if TYPE_CHECKING:
    from .agenda import EventDef, SessionDef
    from .budgets import Budgets
    from .snapshots import Snapshots

Handler = Callable[["Context", Any], Awaitable[Any]]
S = TypeVar("S")


class Subscriptions(Protocol):
    """The hub, as features use it: connections on topic keys, and in-process listeners."""

    async def attach(self, conn: Connection, key: str) -> None:
        """Subscribe `conn` to `key`; its events wait until `start`."""

    def start(self, conn: Connection, key: str, seq: int) -> None:
        """Deliver `key`'s events after `seq` to `conn` (after the reply that carried seq)."""

    def detach(self, conn: Connection, key: str, *, unsubscribe: bool = True) -> None: ...

    async def listen(self, key: str, callback: Callable[[int, str], None]) -> None: ...

    async def unlisten(self, key: str) -> None: ...


class Host(Protocol):
    """What a feature may use of the app. `Services` is the one implementation; a test may
    bring its own."""

    @property
    def settings(self) -> Settings: ...

    @property
    def node(self) -> str:
        """This process's id (where a publisher's peer lives, whom to ask over RPC)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def events(self) -> Events: ...

    @property
    def hub(self) -> Subscriptions: ...

    @property
    def broker(self) -> Broker: ...

    @property
    def presence(self) -> Presence: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def connections(self) -> Collection[Connection]:
        """This process's live connections."""

    async def publish(self, event_id: str, topic: str, kind: str, data: Any) -> int:
        """Encode once and publish on the event's topic; returns the event's seq."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A background task owned by the app: cancelled at shutdown."""

    def open_store(self, kind: StoreKind[S]) -> S:
        """The feature store `kind` (its `STORE`, naming the embedded and the Redis class)
        built on whichever backend runs; the backend chooses, never the feature."""

    async def topic_allowed(self, user: User, topic: str) -> bool:
        """May `user` (re)subscribe to `topic`? (access.py: the one rule)"""

    @property
    def taps(self) -> list[Callable[[str, str, str, Any], None]]:
        """Called with (event, topic, kind, data) for each event this process publishes
        (the webhooks watch them); a tap must not block. (Issue 16.)"""

    # -- join storms (issue 10) --
    @property
    def snapshots(self) -> Snapshots:
        """The snapshot's shared reads, built once per change (snapshots.py)."""

    @property
    def budgets(self) -> Budgets:
        """Per-user connection and join budgets in this process (budgets.py)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` uses per user in each `window_s`, across processes."""

    bucket: str
    count: int
    window_s: int


@dataclasses.dataclass(frozen=True, slots=True)
class Command:
    """A command type: its typed data, handler and the guards the dispatcher enforces.

    `session(data)` names the session the command acts in (None: none); the dispatcher then
    refuses it, with `not_found` or `forbidden`, unless this connection joined that session.
    """

    type: str
    data: builtins.type[Any]
    handler: Handler
    role: Role = Role.attendee
    limit: Limit | None = None
    session: Callable[[Any], str | None] | None = None


@dataclasses.dataclass(slots=True)
class Context:
    """What a handler sees: who asks, on which connection, and the host."""

    host: Host
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
        return await self.host.events.require(self.user.event)

    async def publish(self, topic: str, kind: str, data: Any) -> int:
        return await self.host.publish(self.user.event, topic, kind, data)

    async def require_joined(self, session_id: str) -> None:
        """The one "joined this session" guard: `not_found` if there is no such session,
        `forbidden` if this connection is not in it."""
        if self.conn.session == session_id:
            return
        await self.host.events.session(self.user.event, session_id)
        raise not_joined(session_id)


class Feature:
    """A feature of a session. `snapshot_keys` declares this feature's keys of the
    `session.join` reply with their empty values; `snapshot` fills them. `events` names
    every event type it publishes (client/js/protocol.js is generated from both)."""

    name: ClassVar[str] = "feature"
    snapshot_keys: ClassVar[Mapping[str, Any]] = {}
    events: ClassVar[tuple[str, ...]] = ()

    def __init__(self, host: Host) -> None:
        self.host = host

    def commands(self) -> list[Command]:
        return []

    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        """This feature's part of the `session.join` reply (the keys of `snapshot_keys`)."""
        return {}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        """This feature's part of the session report."""
        return {}

    async def topic_allowed(self, user: User, topic: str) -> bool | None:
        """May `user` (re)subscribe to `topic`? None: not this feature's topic."""
        return None

    async def joined(self, ctx: Context, session: SessionDef) -> None:
        """Called after a connection joined (or resumed) a session."""

    async def left(self, conn: Connection, session_id: str) -> None:
        """Called after a connection left a session or went away."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
