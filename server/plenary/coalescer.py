"""Coalesce bursts: many changes to the same thing, one event per interval.

Votes pour in by the hundred per second; clients need the counts a few times a second.
`mark(key)` is cheap and synchronous; at most once per interval the flush callback gets
every key marked since the last flush and publishes one event per key, read fresh from the
store, so the last event after a burst is exact. Call `flush_now()` when exactness matters
at once (a poll closing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from .clock import Clock, SystemClock
from .tasks import cancelling, survive

K = TypeVar("K", bound=Hashable)
log = logging.getLogger("plenary.coalescer")


class Coalescer(Generic[K]):
    def __init__(self, interval_s: float, flush: Callable[[set[K]], Awaitable[None]],
                 clock: Clock | None = None) -> None:
        self._interval = interval_s
        self._flush = flush
        self._clock = clock or SystemClock()
        self._dirty: set[K] = set()
        self._task: asyncio.Task[None] | None = None

    def mark(self, key: K) -> None:
        self._dirty.add(key)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def flush_now(self, key: K) -> None:
        self._dirty.discard(key)
        await self._flush({key})

    async def _run(self) -> None:
        while self._dirty and not cancelling():
            await self._clock.sleep(self._interval)
            batch, self._dirty = self._dirty, set()
            with survive(log, "coalesced flush"):
                await self._flush(batch)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
