"""The session snapshot's shared reads, built once per change and reused by every joiner.

When a keynote starts, a thousand people join within a minute, and each join reads the same
questions, polls, breakout and media entries. A feature wraps such a read in
`Snapshots.shared(part, build)`; during a `session.join` (inside `Snapshots.at(version)`)
the result is cached under the version, the seqs of the session's topics (the public and the
staff one). Every change a snapshot shows is published on one of those topics, so while
their seqs stay the same the read would return the same; once one moves, the next joiner
builds anew. Concurrent joiners of the same version share one build in flight.

A cached read is shared: callers derive their personal view from it and never mutate it.
Outside `at()` (an uncached caller, or `PLENARY_SNAPSHOT_CACHE=0`) `shared` simply builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
Version = tuple[str, str, tuple[str, ...]]  # event, session, the topics' positions

_version: contextvars.ContextVar[Version | None] = contextvars.ContextVar(
    "snapshot_version", default=None)


class Snapshots:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        # (part, event, session) -> (the seqs it was built at, the build)
        self._cache: dict[tuple[str, str, str], tuple[tuple[str, ...], asyncio.Future[Any]]] = {}
        self.builds = 0  # shared reads actually run (exposed in /metrics)
        self.hits = 0

    @contextlib.contextmanager
    def at(self, event: str, session: str, seqs: tuple[str, ...]) -> Iterator[None]:
        """Cache the `shared` reads made inside, under these seqs of the session's topics."""
        token = _version.set((event, session, seqs) if self.enabled else None)
        try:
            yield
        finally:
            _version.reset(token)

    async def shared(self, part: str, build: Callable[[], Awaitable[T]]) -> T:
        version = _version.get()
        if version is None:
            return await build()
        event, session, seqs = version
        key = (part, event, session)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == seqs:
            self.hits += 1
            try:
                return await asyncio.shield(cached[1])
            except asyncio.CancelledError:
                if not cached[1].cancelled():
                    raise  # this joiner was cancelled
                return await build()  # the build's own task was: read for ourselves
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._cache[key] = (seqs, future)
        self.builds += 1
        try:
            value = await build()
        except BaseException as exc:
            if self._cache.get(key, (None, None))[1] is future:
                del self._cache[key]  # the next joiner tries again
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # retrieved: no warning when nobody waited for it
            else:
                future.cancel()
            raise
        future.set_result(value)
        return value
