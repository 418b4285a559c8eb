"""What both schedulers share: handlers by job prefix, and a loop that runs due jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ..clock import Clock, SystemClock
from ..tasks import every, survive
from .base import JobHandler

log = logging.getLogger("plenary.scheduler")


class PollingScheduler:
    """Subclasses say how to take the due jobs (atomically: each runs once, anywhere)."""

    def __init__(self, poll_s: float, clock: Clock | None = None) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._poll = poll_s
        self._clock = clock or SystemClock()
        self._task: asyncio.Task[None] | None = None

    def handle(self, prefix: str, handler: JobHandler) -> None:
        self._handlers[prefix] = handler

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async for _ in every(self._poll, self._clock):
            for job, payload in await self._take_due(self._clock.time()):
                await self._run_job(job, payload)

    async def _take_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        raise NotImplementedError

    async def schedule(self, job: str, due: float, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _run_job(self, job: str, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(job.partition(":")[0])
        if handler is None:  # taken before its feature started (a restart with late timers)
            log.warning("no handler yet for job %s: trying again in a second", job)
            await self.schedule(job, self._clock.time() + 1, payload)
            return
        with survive(log, f"job {job}"):  # a failing job must not stop everyone else's timers
            await handler(job, payload)
