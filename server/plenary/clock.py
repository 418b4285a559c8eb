"""Time, as the app sees it: one `Clock` owned by `Services`, so tests can move it.

Everything that waits or stamps (rate-limit windows, timers, coalescers, presence ticks,
polls' and breakouts' times) asks the clock rather than `time` and `asyncio.sleep`. The app
runs on `SystemClock`; tests bring their own (tests/inproc.py `TravelClock`, which jumps).
"""

from __future__ import annotations

import asyncio
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
