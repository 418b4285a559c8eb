"""The process's fan-out: which local connections hear which topics.

Every event arrives here once per process, already encoded by the broker, and the same
string object is pushed to each subscriber, with one `Frames` for the whole fan-out: its
wire frame is built once and written as is to every connection that has nothing queued.

The hub remembers the last seq it saw per key: a jump means something was lost (a pub/sub
reconnect), so it replays the missing events from the broker's history before going on; if
the history no longer reaches, it closes the affected connections with 1013 so that they
resume or take a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from .backends.base import Broker
from .connection import CLOSE_TOO_SLOW, Connection
from .outlets import Frames
from .tasks import every

log = logging.getLogger("plenary.hub")


class Hub:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._subs: dict[str, set[Connection]] = defaultdict(set)
        self._last: dict[str, int] = {}
        self._filling: dict[str, list[tuple[int, str]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: dict[str, Callable[[int, str], None]] = {}
        broker.set_receiver(self.deliver, self.resync)
        self.delivered = 0
        self.repaired = 0  # events replayed from history because pub/sub missed them

    # -- from the broker --------------------------------------------------------------------
    def deliver(self, key: str, seq: int, frame: str) -> None:
        if key in self._filling:
            self._filling[key].append((seq, frame))
            return
        last = self._last.get(key)
        if last is not None and seq > last + 1:
            self._start_fill(key, last, [(seq, frame)])
            return
        if last is not None and seq == 1 and last > 1:
            self._restarted(key)
        elif last is not None and seq <= last:  # already replayed from history by a check
            return
        self._fan_out(key, seq, frame)

    def _restarted(self, key: str) -> None:
        """The topic's seq began again at 1: the backend lost its data (a Redis without
        persistence restarted). Our clients' seqs are now ahead of the stream and they would
        drop every event as already seen: send them to resume, which answers `false`, and
        so to a fresh snapshot."""
        log.error("the seq of %s restarted: the backend lost its data; clients resync", key)
        for conn in list(self._subs.get(key, ())):
            conn.close_soon(CLOSE_TOO_SLOW, "the server's history was reset: rejoin")
        self._last[key] = 0

    def _fan_out(self, key: str, seq: int, frame: str) -> None:
        if seq > self._last.get(key, 0):
            self._last[key] = seq
        listener = self._listeners.get(key)
        if listener is not None:
            listener(seq, frame)
        subs = self._subs.get(key)
        if subs:
            frames = Frames(asyncio.get_running_loop().time())  # framed once, for all
            for conn in subs:
                conn.push(key, seq, frame, frames)
            self.delivered += len(subs)

    def _start_fill(self, key: str, after: int, buffered: list[tuple[int, str]]) -> None:
        self._filling[key] = buffered
        task = asyncio.get_running_loop().create_task(self._fill(key, after))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fill(self, key: str, after: int) -> None:
        try:
            missed = await self._broker.history(key, after)
        except Exception:
            missed = None
        buffered = self._filling.pop(key, [])
        if missed is None:
            log.warning("history of %s no longer reaches seq %d: clients must resync", key, after)
            for conn in list(self._subs.get(key, ())):
                conn.close_soon(CLOSE_TOO_SLOW, "missed events: resume")
            self._last.pop(key, None)
            return
        self.repaired += len(missed)
        for seq, frame in sorted([*missed, *buffered]):
            self._fan_out(key, seq, frame)

    async def check_forever(self, interval_s: float) -> None:
        """Compare each subscribed topic's last seq with the broker's, periodically: a gap is
        seen when a later event arrives, but a lost *last* event (a poll's close, with
        nothing after it) has no later event to reveal it. This repairs it within
        `interval_s`."""
        suspects: dict[str, int] = {}
        async for _ in every(interval_s):
            # An event may be on its way when we look: repair only what is still missing at
            # the next look.
            for key, seq in suspects.items():
                if self._last.get(key, seq) < seq and key in self._subs \
                        and key not in self._filling:
                    self._start_fill(key, self._last[key], [])
            suspects = await self._behind()

    async def _behind(self) -> dict[str, int]:
        """Topics whose last seq in the broker is past the last one this process saw."""
        keys = [k for k in self._subs if k in self._last and k not in self._filling]
        try:
            current = await self._broker.last_seqs(keys)
        except Exception:
            return {}
        return {k: current[k] for k in keys if current.get(k, 0) > self._last.get(k, 0)}

    async def resync(self) -> None:
        """After the broker reconnected: fetch whatever was published while it was away."""
        for key in await self._behind():
            if key not in self._filling:
                self._start_fill(key, self._last[key], [])

    # -- process-internal listeners (no client connection) ------------------------------------
    async def listen(self, key: str, callback: Callable[[int, str], None]) -> None:
        """Hand every event on `key` to `callback(seq, frame)` in this process (node RPC)."""
        self._listeners[key] = callback
        await self._broker.subscribe(key)

    async def unlisten(self, key: str) -> None:
        if self._listeners.pop(key, None) is not None:
            await self._broker.unsubscribe(key)

    # -- from connections -------------------------------------------------------------------
    async def attach(self, conn: Connection, key: str) -> None:
        """Subscribe `conn` to `key`, buffering until `start` or `replay` says where it begins."""
        if key in conn.topics:
            conn.topics[key] = []
            return
        conn.topics[key] = []
        subs = self._subs[key]
        subs.add(conn)
        if len(subs) == 1:
            try:
                await self._broker.subscribe(key)
            except BaseException:
                self.detach(conn, key, unsubscribe=False)
                raise

    def start(self, conn: Connection, key: str, seq: int) -> None:
        """`conn` holds everything up to `seq` (a snapshot): send what follows."""
        if key not in self._filling:
            self._last.setdefault(key, seq)
        conn.start_topic(key, seq)

    async def history(self, conn: Connection, key: str, after: int,
                      epoch: str | None = None) -> list[tuple[int, str]] | None:
        """What `conn` missed on `key` (already attached); None, and detached, if too old or
        of another epoch (the stream `conn` followed was lost)."""
        history = await self._broker.history(key, after, epoch)
        if history is None:
            self.detach(conn, key)
        return history

    def replay(self, conn: Connection, key: str, after: int,
               history: list[tuple[int, str]]) -> None:
        """Send the missed events, then those buffered since `attach`, then live ones."""
        buffered = conn.topics.get(key)
        conn.topics[key] = after
        for seq, frame in history:
            conn.push(key, seq, frame)
        if isinstance(buffered, list):
            for seq, frame in sorted(buffered):
                conn.push(key, seq, frame)
        if key not in self._filling:
            self._last.setdefault(key, history[-1][0] if history else after)

    def detach(self, conn: Connection, key: str, *, unsubscribe: bool = True) -> None:
        conn.topics.pop(key, None)
        subs = self._subs.get(key)
        if subs is None or conn not in subs:
            return
        subs.discard(conn)
        if not subs:
            del self._subs[key]
            self._last.pop(key, None)
            if unsubscribe:
                self._spawn(self._broker.unsubscribe(key))

    def detach_all(self, conn: Connection) -> None:
        for key in list(conn.topics):
            self.detach(conn, key)

    def _spawn(self, coro: object) -> None:
        async def guarded() -> None:
            try:
                await coro  # type: ignore[misc]
            except Exception as exc:
                log.debug("background broker call failed: %s", exc)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
