"""The backend interfaces. The embedded backend and Redis implement them alike and pass one
contract suite (tests/contract). Features that need atomic rules of their own (one vote per
user) keep a small store of their own with one implementation per backend, next to the
feature, and ask the backend to open it: `backend.open_store(STORE)`, where `STORE` is the
feature's `StoreKind` naming both implementations (see docs/ARCHITECTURE.md, "Stores").

A *key* names a topic within an event (`topic_key`); brokers never see a bare topic, so two
events can both have a `session:opening`.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from .tables import Tables

S = TypeVar("S")

class Position(NamedTuple):
    """Where a topic's stream is: its epoch (drawn when the stream's seq is first created,
    so a stream that was lost and began again has another) and the seq of its last event."""

    epoch: str
    seq: int


def new_epoch() -> str:
    return secrets.token_hex(4)


# (key, seq, frame): one encoded event, exactly as clients receive it.
Deliver = Callable[[str, int, str], None]
Resync = Callable[[], Coroutine[Any, Any, None]]
JobHandler = Callable[[str, dict[str, Any]], Awaitable[None]]


def topic_key(event: str, topic: str) -> str:
    return f"{event}|{topic}"


def split_key(key: str) -> tuple[str, str]:
    event, _, topic = key.partition("|")
    return event, topic


def frame_parts(kind: str, topic: str, data: bytes) -> tuple[str, str]:
    """The text of an event around its seq, which only the broker knows when it publishes."""
    head = '{"type":"%s","topic":"%s","seq":' % (kind, topic)
    return head, ',"data":' + data.decode() + "}"


class Broker(Protocol):
    """Sequenced publish/subscribe with a bounded history per key."""

    reconnects: int  # pub/sub connections re-established after a loss

    async def publish(self, key: str, kind: str, data: bytes) -> int:
        """Publish an event (data is its encoded JSON object); return its seq."""

    async def history(self, key: str, after: int,
                      epoch: str | None = None) -> list[tuple[int, str]] | None:
        """Events with seq > after, in order; None if the history no longer reaches back,
        or if `epoch` is given and is not the stream's (it was lost and began again)."""

    async def last_seqs(self, keys: Iterable[str]) -> dict[str, int]:
        """The seq of the last event published on each key (0 if none)."""

    async def positions(self, keys: Iterable[str]) -> dict[str, Position]:
        """Each key's epoch and last seq; a stream with no epoch yet gets one now."""

    async def subscribe(self, key: str) -> None:
        """Start delivering the key's events to this process; returns once that is in force."""

    async def unsubscribe(self, key: str) -> None: ...

    def set_receiver(self, deliver: Deliver, resync: Resync) -> None:
        """Where events go, and what to call after a lost connection came back."""


def merge_modes(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One mode per user: in_room wins, so a delegate with a laptop and a phone counts once."""
    users: dict[str, str] = {}
    for user, mode in pairs:
        if users.get(user) != "in_room":
            users[user] = mode
    return users


class Presence(Protocol):
    """Who is connected where: members are connections, counted as distinct users."""

    async def enter(self, key: str, conn: str, user: str, mode: str) -> None: ...

    async def leave(self, key: str, conn: str) -> None: ...

    async def refresh(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        """Keep (key, conn, user, mode) alive; what is not refreshed expires."""

    async def members(self, key: str) -> dict[str, str]:
        """user id -> mode (in_room wins if a user has connections in both modes)."""

    async def count(self, key: str) -> tuple[int, int]:
        """(people present, of whom in the room): `members` counted where the data is."""

    async def claim_tick(self, key: str, interval_s: float) -> bool:
        """True for exactly one caller per key per interval, across processes."""


class Scheduler(Protocol):
    """Timers that survive the process that set them: any process may run a due job."""

    async def schedule(self, job: str, due: float, payload: dict[str, Any]) -> None:
        """Set (or move) a job; `due` is a unix time in seconds."""

    async def cancel(self, job: str) -> None: ...

    def handle(self, prefix: str, handler: JobHandler) -> None:
        """Run `handler(job, payload)` for due jobs whose id starts with `prefix:`."""


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: int) -> bool:
        """Count one use; False once `limit` uses fall in the current window."""


class Documents(Protocol):
    """Small JSON documents and field maps (events, session state), named within an event."""

    async def get(self, event: str, name: str) -> bytes | None: ...

    async def put(self, event: str, name: str, value: bytes) -> None: ...

    async def fields(self, event: str, name: str) -> dict[str, str]: ...

    async def set_fields(self, event: str, name: str, values: dict[str, str]) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)
class StoreKind(Generic[S]):
    """One feature store, built for whichever backend runs: `embedded(tables)` on the
    embedded backend (its rows durable in SQLite unless memory-only), `redis(client)` on
    Redis. Declaring `STORE: StoreKind[QAStore] = StoreKind(EmbeddedQAStore, RedisQAStore)`
    makes mypy prove that both implementations meet the store's protocol."""

    embedded: Callable[[Tables], S]
    redis: Callable[[aioredis.Redis], S]


class Backend(Protocol):
    name: str  # "sqlite" | "memory" | "redis": for /readyz and logs, never for choices

    @property
    def broker(self) -> Broker: ...

    @property
    def presence(self) -> Presence: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def limiter(self) -> Limiter: ...

    @property
    def docs(self) -> Documents: ...

    def open_store(self, kind: StoreKind[S]) -> S:
        """The feature store `kind` built on this backend."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        """False while the backend cannot be reached."""
