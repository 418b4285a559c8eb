"""SIGTERM closes every client with 1001 ("going away") before the server stops.

uvicorn's own shutdown closes WebSockets with 1012 before the app's lifespan shutdown runs,
so the app's 1001 would come too late. The lifespan therefore puts this handler in front of
uvicorn's (`uvicorn.Server.handle_exit`, in every worker): it closes the clients, waits a
moment for the close frames to leave, and hands the signal on. Clients treat 1001 as
"reconnect with back-off", and resume on the next process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger("plenary")

CLOSE_GOING_AWAY = 1001
GRACE_S = 2.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def close_clients_first(close_all: Callable[[], Any], *, grace_s: float = GRACE_S) -> None:
    """Before uvicorn handles SIGTERM/SIGINT, run `close_all()` (awaitable) for `grace_s`
    at most. Does nothing where uvicorn does not own the signals (tests, other servers)."""
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        previous = signal.getsignal(sig)
        if not _is_uvicorns(previous):
            continue

        def handler(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            for each in SIGNALS:  # a second signal goes straight to uvicorn
                signal.signal(each, previous if each == number else signal.getsignal(each))
            loop.call_soon_threadsafe(loop.create_task,
                                      _close_then(close_all, grace_s, previous, number, frame))

        signal.signal(sig, handler)


async def _close_then(close_all: Callable[[], Any], grace_s: float, previous: Any,
                      number: int, frame: FrameType | None) -> None:
    try:
        await asyncio.wait_for(close_all(), grace_s)
    except Exception as exc:  # never keep a stopping server from stopping
        log.warning("closing clients before shutdown: %s", exc)
    previous(number, frame)


def _is_uvicorns(handler: Any) -> bool:
    owner = getattr(handler, "__self__", None)
    return owner is not None and type(owner).__module__.startswith("uvicorn")
