"""One client connection: its identity, its topics and its bounded outgoing queue.

The broadcast path calls `push`, which only appends to a list and marks the connection for
the process's `Flusher`: it never awaits. The flusher sends whatever is pending for a
connection as one frame (a JSON array when there are several), at most once per tick, so a
busy connection gets fewer, larger frames instead of falling behind. Connections with the
same pending messages share one frame (`outlets.Frames`): built once, written to each.

Sending never waits (see `outlets`): a write the client's socket cannot take now (its buffer
is over the high-water mark) gets a task of its own; meanwhile that connection's messages
pile up in its queue, and past the limit it is closed with 1013 (it resumes).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .auth import User
from .messages import encode_str
from .outlets import Frames, Outlet

log = logging.getLogger("plenary.connection")

CLOSE_TOO_SLOW = 1013
BURST = 3  # frames a quiet connection may send back to back before the tick applies
_ids = itertools.count(1)

Close = Callable[[int, str], Coroutine[Any, Any, None]]


class Connection:
    __slots__ = ("_close", "_closing", "_credit", "_credit_at", "_flusher", "_limit",
                 "_outlet", "_pending", "id", "mode", "next_at", "sending", "session", "state",
                 "topics", "user")

    def __init__(self, outlet: Outlet, close: Close, queue_limit: int, node: str = "n",
                 flusher: Flusher | None = None) -> None:
        self.id = f"{node}-{next(_ids)}"
        self.user: User | None = None
        self.session: str | None = None
        self.mode: str = "remote"
        # broker key -> last seq delivered, or a list buffering events while (re)syncing
        self.topics: dict[str, int | list[tuple[int, str]]] = {}
        self.state: dict[str, Any] = {}  # per-connection data owned by features
        self._outlet = outlet
        self._close = close
        self._limit = queue_limit
        self._flusher = flusher or Flusher(0.0)
        self._pending: list[str] = []
        self._closing = False
        self.next_at = 0.0  # the earliest the next frame may leave
        self._credit = float(BURST)  # frames it may send right now (a token bucket)
        self._credit_at = 0.0
        self.sending: asyncio.Task[None] | None = None  # a send that had to wait

    @property
    def event(self) -> str:
        assert self.user is not None
        return self.user.event

    # -- outgoing ---------------------------------------------------------------------------
    def push(self, key: str, seq: int, frame: str, frames: Frames | None = None) -> None:
        """Deliver one published event; drops what this connection already has. Given the
        fan-out's `frames` (shared by every recipient of the event), a connection with
        nothing queued that may send now writes the shared frame at once."""
        state = self.topics.get(key)
        if state is None:
            return
        if isinstance(state, list):
            state.append((seq, frame))
        elif seq > state:
            self.topics[key] = seq
            if frames is not None and not self._pending and self.sending is None and \
                    self.next_at <= frames.now and not self._closing:
                self._write([frame], frames)
            else:
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

    def error(self, command_id: int | None, error: dict[str, str | int]) -> None:
        self.enqueue(encode_str({"type": "error", "id": command_id, "error": error}))

    def enqueue(self, frame: str) -> None:
        if self._closing:
            return
        if len(self._pending) >= self._limit:
            self._flusher.slow_closed += 1
            self.close_soon(CLOSE_TOO_SLOW, "too slow: resume to catch up")
            return
        self._pending.append(frame)
        if len(self._pending) == 1:
            self._flusher.mark(self)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush(self, frames: Frames) -> None:
        """Send what is pending as one frame, without waiting (called by the Flusher)."""
        if not self._pending or self.sending is not None:
            return
        pending, self._pending = self._pending, []
        self._write(pending, frames)

    def _write(self, pending: list[str], frames: Frames) -> None:
        self._spend(frames.now, self._flusher.tick)
        self._flusher.frames += 1
        try:
            waiting = self._outlet.put(frames, pending)
        except Exception as exc:
            self._failed(exc)
            return
        if waiting is not None:
            self.sending = asyncio.get_running_loop().create_task(self._finish(waiting))

    def _spend(self, now: float, tick: float) -> None:
        """One frame per tick on average, with a small burst: a stream slower than the tick
        never waits (jitter included), a faster one is batched into one frame per tick."""
        if tick <= 0:
            return
        self._credit = min(BURST, self._credit + (now - self._credit_at) / tick) - 1
        self._credit_at = now
        self.next_at = now if self._credit >= 1 else now + (1 - self._credit) * tick

    async def _finish(self, waiting: Awaitable[None]) -> None:
        """Go on with a write that had to wait."""
        try:
            await waiting
        except Exception as exc:
            self._failed(exc)
        finally:
            self.sending = None
        if self._pending:
            self._flusher.mark(self)

    def _failed(self, exc: Exception) -> None:
        log.debug("send to %s failed: %s", self.id, exc)
        self._closing = True
        self._pending.clear()

    # -- closing ----------------------------------------------------------------------------
    def close_soon(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        self._pending.clear()
        self._flusher.keep(asyncio.get_running_loop().create_task(self._close(code, reason)))

    async def flush_and_close(self, code: int, reason: str) -> None:
        """Send what is pending (a last error, say), then close."""
        self.flush(Frames(0.0))
        self._closing = True
        if self.sending is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.sending), timeout=2)
            except Exception:
                pass
        await self._close(code, reason)

    async def closed(self) -> None:
        """The connection is gone: stop any send still waiting."""
        self._closing = True
        self._pending.clear()
        if self.sending is not None:
            self.sending.cancel()


class Flusher:
    """Sends every connection's pending messages, once per loop turn, at most one frame per
    tick per connection on average (see `Connection._spend`): a lone event leaves at once,
    a burst waits for the tick and leaves as one frame."""

    def __init__(self, tick_s: float) -> None:
        self.tick = tick_s
        self._now: set[Connection] = set()
        self._later: set[Connection] = set()
        self._soon: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.frames = 0  # frames handed to clients' sockets (exposed in /metrics)
        self.slow_closed = 0  # connections closed with 1013 for a full queue

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a reference until `task` is done: the loop keeps only weak ones."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def mark(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        if conn.next_at <= loop.time():
            self._now.add(conn)
            if self._soon is None:
                self._soon = loop.call_soon(self._run_now)
        else:
            self._later.add(conn)
            if self._timer is None:
                self._timer = loop.call_at(conn.next_at, self._run_later)

    def _run_now(self) -> None:
        self._soon = None
        conns, self._now = self._now, set()
        self._flush(conns)

    def _run_later(self) -> None:
        self._timer = None
        conns, self._later = self._later, set()
        self._flush(conns)

    def _flush(self, conns: set[Connection]) -> None:
        loop = asyncio.get_running_loop()
        frames = Frames(loop.time())
        for conn in conns:
            if conn.next_at > frames.now:
                self.mark(conn)  # not yet its turn
            elif conn.has_pending:
                conn.flush(frames)
