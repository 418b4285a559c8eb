"""Background loops that survive errors but never their own cancellation.

redis-py can turn a cancellation that lands inside a command into a ConnectionError. A loop
that catches errors to carry on would then swallow its cancellation, keep running, and hang
shutdown (seen: the scheduler sleeping again while its task was "cancelling"). Every loop
that catches errors does so through `survive`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from .clock import Clock, SystemClock

_SYSTEM = SystemClock()


def cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@contextlib.contextmanager
def survive(log: logging.Logger, what: str, *, quiet: bool = False) -> Iterator[None]:
    """Log and swallow an error, unless the task is being cancelled: then cancel."""
    try:
        yield
    except Exception as exc:
        if cancelling():
            raise asyncio.CancelledError from exc
        if quiet:
            log.debug("%s failed: %s", what, exc)
        else:
            log.warning("%s failed: %s", what, exc, exc_info=not isinstance(exc, OSError))


async def every(interval_s: float, clock: Clock = _SYSTEM) -> AsyncIterator[None]:
    """Once per interval (on `clock`) until this task is cancelled, even if a library
    swallowed the cancellation on the way (the task then still says it is cancelling)."""
    while not cancelling():
        await clock.sleep(interval_s)
        if cancelling():
            return
        yield
