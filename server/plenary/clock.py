"""Time, as the app sees it: one `Clock` owned by `Services`, so tests can move it.

Everything that waits or stamps (rate-limit windows, timers, coalescers, polls' and
breakouts' times) asks the clock rather than `time` and `asyncio.sleep`. The system clock
is the real one; `ManualClock` (tests) only moves when told, and wakes its sleepers then.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Unix time in seconds (stamps, due times, rate-limit windows)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (intervals, idle timeouts)."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that stands still until `advance`; sleepers wake in due order as it passes."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._start = start
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def time(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now - self._start

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, letting each sleeper due meanwhile run in turn."""
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            due, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, due)
            if not future.done():
                future.set_result(None)
            for _ in range(20):  # let the woken task run to its next await
                await asyncio.sleep(0)
        self._now = target
        await asyncio.sleep(0)
