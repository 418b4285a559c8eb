"""The embedded single-process backend: no Redis, for the demo and small events.

Everything runs on the event loop, so each method is atomic by construction. What must
outlive the process (event definitions, session state, timers, and the feature stores it
opens) lives in `Tables`: in SQLite when the backend has a database (the default, see
`open_backend`), in memory only when it has none (tests, and an explicit `memory://`).
Streams (seq, history) and presence are not kept: after a restart every topic starts a new
epoch, so a client that resumes gets a fresh snapshot instead of a wrong replay.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

import msgspec

from ..clock import Clock, SystemClock
from .base import Deliver, Position, Resync, S, StoreKind, frame_parts, merge_modes, new_epoch
from .polling import PollingScheduler
from .tables import Database, Tables


class MemoryBroker:
    reconnects = 0  # nothing to lose in one process

    def __init__(self, history_size: int) -> None:
        self._size = history_size
        self._seq: dict[str, int] = defaultdict(int)
        self._epochs: dict[str, str] = {}  # never kept: a restart begins every stream anew
        self._history: dict[str, deque[str]] = {}
        self._subscribed: dict[str, int] = defaultdict(int)
        self._deliver: Deliver | None = None

    async def publish(self, key: str, kind: str, data: bytes) -> int:
        head, tail = frame_parts(kind, key.partition("|")[2], data)
        self._seq[key] += 1
        seq = self._seq[key]
        self._epoch(key)
        frame = f"{head}{seq}{tail}"
        self._history.setdefault(key, deque(maxlen=self._size)).append(frame)
        if self._subscribed.get(key) and self._deliver is not None:
            self._deliver(key, seq, frame)
        return seq

    def _epoch(self, key: str) -> str:
        epoch = self._epochs.get(key)
        if epoch is None:
            epoch = self._epochs[key] = new_epoch()
        return epoch

    async def history(self, key: str, after: int,
                      epoch: str | None = None) -> list[tuple[int, str]] | None:
        if epoch is not None and epoch != self._epoch(key):
            return None
        last = self._seq.get(key, 0)
        frames = self._history.get(key, deque())
        first = last - len(frames) + 1
        if after < first - 1 or after > last:
            return None
        return [(first + i, f) for i, f in enumerate(frames) if first + i > after]

    async def last_seqs(self, keys: Iterable[str]) -> dict[str, int]:
        return {k: self._seq.get(k, 0) for k in keys}

    async def positions(self, keys: Iterable[str]) -> dict[str, Position]:
        return {k: Position(self._epoch(k), self._seq.get(k, 0)) for k in keys}

    async def redact(self, key: str, seq: int, kind: str, data: bytes) -> bool:
        frames = self._history.get(key)
        index = len(frames) - 1 - (self._seq.get(key, 0) - seq) if frames else -1
        if frames is None or not 0 <= index < len(frames) or seq < 1:
            return False
        head, tail = frame_parts(kind, key.partition("|")[2], data)
        frames[index] = f"{head}{seq}{tail}"
        return True

    async def subscribe(self, key: str) -> None:
        self._subscribed[key] += 1

    async def unsubscribe(self, key: str) -> None:
        self._subscribed[key] -= 1
        if self._subscribed[key] <= 0:
            del self._subscribed[key]

    def set_receiver(self, deliver: Deliver, resync: Resync) -> None:
        self._deliver = deliver


class MemoryPresence:
    def __init__(self, ttl_s: float) -> None:
        self._ttl = ttl_s
        # key -> conn -> (user, mode, expires)
        self._members: dict[str, dict[str, tuple[str, str, float]]] = defaultdict(dict)
        self._ticks: dict[str, float] = {}

    async def enter(self, key: str, conn: str, user: str, mode: str) -> None:
        self._members[key][conn] = (user, mode, time.monotonic() + self._ttl)

    async def leave(self, key: str, conn: str) -> None:
        self._members.get(key, {}).pop(conn, None)

    async def refresh(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        for key, conn, user, mode in entries:
            await self.enter(key, conn, user, mode)

    async def members(self, key: str) -> dict[str, str]:
        now = time.monotonic()
        conns = self._members.get(key, {})
        for conn in [c for c, (_, _, exp) in conns.items() if exp < now]:
            del conns[conn]
        return merge_modes((user, mode) for user, mode, _ in conns.values())

    async def count(self, key: str) -> tuple[int, int]:
        members = await self.members(key)
        return len(members), sum(1 for mode in members.values() if mode == "in_room")

    async def claim_tick(self, key: str, interval_s: float) -> bool:
        now = time.monotonic()
        if self._ticks.get(key, 0.0) > now:
            return False
        self._ticks[key] = now + interval_s
        return True


class Job(msgspec.Struct, array_like=True):
    due: float
    payload: dict[str, Any]


class MemoryScheduler(PollingScheduler):
    """Jobs are rows, so timers set before a restart run after it (late ones at once)."""

    def __init__(self, tables: Tables | None = None, poll_s: float = 0.05,
                 clock: Clock | None = None) -> None:
        super().__init__(poll_s, clock)
        self._tables = tables or Tables()
        self._jobs = self._tables.table("timers", Job)
        self._heap: list[tuple[float, str]] = [(j.due, k[0]) for k, j in self._jobs.items()]
        heapq.heapify(self._heap)

    async def schedule(self, job: str, due: float, payload: dict[str, Any]) -> None:
        self._jobs.put((job,), Job(due, payload))
        heapq.heappush(self._heap, (due, job))
        await self._tables.durable()

    async def cancel(self, job: str) -> None:
        self._jobs.pop((job,))
        await self._tables.durable()

    async def _take_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        ready = self._pop_due(now)
        await self._tables.durable()
        return ready

    def _pop_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        ready = []
        while self._heap and self._heap[0][0] <= now:
            due, job = heapq.heappop(self._heap)
            found = self._jobs.get((job,))
            if found is not None and found.due == due:  # not cancelled, not moved
                self._jobs.pop((job,))
                ready.append((job, found.payload))
        return ready


class MemoryLimiter:
    def __init__(self, clock: Clock | None = None) -> None:
        self._windows: dict[str, tuple[int, int]] = {}
        self._clock = clock or SystemClock()

    async def hit(self, key: str, limit: int, window_s: int) -> bool:
        window = int(self._clock.time() // window_s)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            count = 0
        self._windows[key] = (window, count + 1)
        return count < limit


class MemoryDocuments:
    """`Documents` in the embedded backend's tables `<prefix>docs` and `<prefix>fields`
    (durable in SQLite when the backend is); a feature's own documents take a prefix."""

    def __init__(self, tables: Tables | None = None, prefix: str = "") -> None:
        self._tables = tables or Tables()
        self._docs = self._tables.table(f"{prefix}docs", bytes)
        self._fields = self._tables.table(f"{prefix}fields", dict[str, str])

    async def get(self, event: str, name: str) -> bytes | None:
        return self._docs.get((event, name))

    async def put(self, event: str, name: str, value: bytes) -> None:
        self._docs.put((event, name), value)
        await self._tables.durable()

    async def fields(self, event: str, name: str) -> dict[str, str]:
        return dict(self._fields.get((event, name)) or {})

    async def set_fields(self, event: str, name: str, values: dict[str, str]) -> None:
        self._fields.put((event, name), {**(self._fields.get((event, name)) or {}), **values})
        await self._tables.durable()


class MemoryBackend:
    """The embedded backend; with a `Database` its state survives a restart."""

    def __init__(self, history_size: int = 1000, presence_ttl_s: float = 30.0,
                 db: Database | None = None, clock: Clock | None = None) -> None:
        self.tables = Tables(db)
        self.name = "sqlite" if db is not None else "memory"
        self.broker = MemoryBroker(history_size)
        self.presence = MemoryPresence(presence_ttl_s)
        self.scheduler = MemoryScheduler(self.tables, clock=clock)
        self.limiter = MemoryLimiter(clock)
        self.docs = MemoryDocuments(self.tables)

    def open_store(self, kind: StoreKind[S]) -> S:
        return kind.embedded(self.tables)

    async def start(self) -> None:
        self.scheduler.start()

    async def close(self) -> None:
        await self.scheduler.stop()
        if self.tables.db is not None:
            self.tables.db.close()

    async def ready(self) -> bool:
        return True
