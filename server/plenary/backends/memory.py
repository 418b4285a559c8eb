"""The embedded single-process backend: no Redis, for the demo and small events.

Everything runs on the event loop, so each method is atomic by construction.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from .base import Deliver, Resync, frame_parts
from .polling import PollingScheduler


class MemoryBroker:
    def __init__(self, history_size: int) -> None:
        self._size = history_size
        self._seq: dict[str, int] = defaultdict(int)
        self._history: dict[str, deque[str]] = {}
        self._subscribed: dict[str, int] = defaultdict(int)
        self._deliver: Deliver | None = None

    async def publish(self, key: str, kind: str, data: bytes) -> int:
        head, tail = frame_parts(kind, key.partition("|")[2], data)
        self._seq[key] += 1
        seq = self._seq[key]
        frame = f"{head}{seq}{tail}"
        self._history.setdefault(key, deque(maxlen=self._size)).append(frame)
        if self._subscribed.get(key) and self._deliver is not None:
            self._deliver(key, seq, frame)
        return seq

    async def history(self, key: str, after: int) -> list[tuple[int, str]] | None:
        last = self._seq.get(key, 0)
        frames = self._history.get(key, deque())
        first = last - len(frames) + 1
        if after < first - 1 or after > last:
            return None
        return [(first + i, f) for i, f in enumerate(frames) if first + i > after]

    async def last_seqs(self, keys: Iterable[str]) -> dict[str, int]:
        return {k: self._seq.get(k, 0) for k in keys}

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


def merge_modes(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One mode per user: in_room wins, so a delegate with a laptop and a phone counts once."""
    users: dict[str, str] = {}
    for user, mode in pairs:
        if users.get(user) != "in_room":
            users[user] = mode
    return users


class MemoryScheduler(PollingScheduler):
    def __init__(self, poll_s: float = 0.05) -> None:
        super().__init__(poll_s)
        self._due: dict[str, float] = {}
        self._payloads: dict[str, dict[str, Any]] = {}
        self._heap: list[tuple[float, str]] = []

    async def schedule(self, job: str, due: float, payload: dict[str, Any]) -> None:
        self._due[job] = due
        self._payloads[job] = payload
        heapq.heappush(self._heap, (due, job))

    async def cancel(self, job: str) -> None:
        self._due.pop(job, None)
        self._payloads.pop(job, None)

    async def _take_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        return self._pop_due(now)

    def _pop_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        ready = []
        while self._heap and self._heap[0][0] <= now:
            due, job = heapq.heappop(self._heap)
            if self._due.get(job) == due:  # not cancelled, not moved
                del self._due[job]
                ready.append((job, self._payloads.pop(job)))
        return ready


class MemoryLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_s: int) -> bool:
        window = int(time.time() // window_s)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            count = 0
        self._windows[key] = (window, count + 1)
        return count < limit


class MemoryDocuments:
    def __init__(self) -> None:
        self._docs: dict[str, bytes] = {}
        self._fields: dict[str, dict[str, str]] = defaultdict(dict)

    async def get(self, key: str) -> bytes | None:
        return self._docs.get(key)

    async def put(self, key: str, value: bytes) -> None:
        self._docs[key] = value

    async def fields(self, key: str) -> dict[str, str]:
        return dict(self._fields.get(key, {}))

    async def set_fields(self, key: str, values: dict[str, str]) -> None:
        self._fields[key].update(values)


class MemoryBackend:
    name = "memory"

    def __init__(self, history_size: int = 1000, presence_ttl_s: float = 30.0) -> None:
        self.broker = MemoryBroker(history_size)
        self.presence = MemoryPresence(presence_ttl_s)
        self.scheduler = MemoryScheduler()
        self.limiter = MemoryLimiter()
        self.docs = MemoryDocuments()

    async def start(self) -> None:
        self.scheduler.start()

    async def close(self) -> None:
        await self.scheduler.stop()

    async def ready(self) -> bool:
        return True
