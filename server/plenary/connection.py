"""One client connection: its identity, its topics and its bounded outgoing queue.

The broadcast path calls `push`, which only appends to a list and wakes the writer: it never
awaits. The writer sends whatever is pending as one frame (a JSON array when there are
several), at most once per tick, so a busy connection gets fewer, larger frames instead of
falling behind. A
connection whose queue passes the limit is closed with 1013; the client resumes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .auth import User
from .messages import encode_str

log = logging.getLogger("plenary.connection")

CLOSE_TOO_SLOW = 1013
_ids = itertools.count(1)

Send = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Coroutine[Any, Any, None]]


class Connection:
    def __init__(self, send: Send, close: Close, queue_limit: int, node: str = "n",
                 tick_s: float = 0.0) -> None:
        self.id = f"{node}-{next(_ids)}"
        self.user: User | None = None
        self.session: str | None = None
        self.mode: str = "remote"
        # broker key -> last seq delivered, or a list buffering events while (re)syncing
        self.topics: dict[str, int | list[tuple[int, str]]] = {}
        self.state: dict[str, Any] = {}  # per-connection data owned by features
        self._send = send
        self._close = close
        self._limit = queue_limit
        self._tick = tick_s
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._closing = False
        self.writer: asyncio.Task[None] | None = None

    @property
    def event(self) -> str:
        assert self.user is not None
        return self.user.event

    # -- outgoing ---------------------------------------------------------------------------
    def push(self, key: str, seq: int, frame: str) -> None:
        """Deliver one published event; drops what this connection already has."""
        state = self.topics.get(key)
        if state is None:
            return
        if isinstance(state, list):
            state.append((seq, frame))
        elif seq > state:
            self.topics[key] = seq
            self.enqueue(frame)

    def start_topic(self, key: str, seq: int) -> None:
        """End the buffering of `key`: events after `seq` go out, in order."""
        buffered = self.topics.get(key)
        self.topics[key] = seq
        if isinstance(buffered, list):
            for s, frame in sorted(buffered):
                self.push(key, s, frame)

    def reply(self, command_id: int | None, data: Any) -> None:
        self.enqueue(encode_str({"type": "ok", "id": command_id, "data": data}))

    def error(self, command_id: int | None, error: dict[str, str]) -> None:
        self.enqueue(encode_str({"type": "error", "id": command_id, "error": error}))

    def notify(self, kind: str, data: Any) -> None:
        """A direct, unsequenced event for this connection alone."""
        self.enqueue(encode_str({"type": kind, "data": data}))

    def enqueue(self, frame: str) -> None:
        if self._closing:
            return
        if len(self._pending) >= self._limit:
            self.close_soon(CLOSE_TOO_SLOW, "too slow: resume to catch up")
            return
        self._pending.append(frame)
        self._wake.set()

    async def run_writer(self) -> None:
        while not self._closing or self._pending:
            await self._wake.wait()
            self._wake.clear()
            pending, self._pending = self._pending, []
            if pending:
                await self._send(pending[0] if len(pending) == 1 else "[" + ",".join(pending) + "]")
                if self._tick:
                    # At most one frame per tick: a lone event leaves at once, a burst
                    # waits a few ms and leaves as one frame, so busy topics cost fewer writes.
                    await asyncio.sleep(self._tick)

    # -- closing ----------------------------------------------------------------------------
    def close_soon(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        self._pending.clear()
        self._wake.set()
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def flush_and_close(self, code: int, reason: str) -> None:
        """Send what is pending (a last error, say), then close."""
        self._closing = True
        self._wake.set()
        if self.writer is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.writer), timeout=2)
            except Exception:
                pass
        await self._close(code, reason)
