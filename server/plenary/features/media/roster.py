"""The media processes as this one sees them, through the node book (nodes.py).

This process puts its load on record each round (and at once after a change that placement
elsewhere must see); `loads()` gives every live process's load for the placement rules;
`watch()` tells which processes stopped advertising: those this process was the first to
remove (it ends their publishers for everyone) and those that are gone since last round
(every process ends its own legs and viewers tied to them).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from .nodes import NodeBook, NodeLoad
from .rules import Load


@dataclasses.dataclass(slots=True)
class Changes:
    removed: list[NodeLoad]  # dead processes whose record this process removed
    gone: set[str]  # processes alive last round, not any more


class Roster:
    def __init__(self, book: NodeBook, node: str, ttl_s: float) -> None:
        self.book = book
        self.node = node
        self.ttl_s = ttl_s
        self._alive: set[str] = set()
        self._on_record = False  # this process's record was written once
        self._writing = asyncio.Lock()
        self._cpu = CpuMeter()

    async def advertise(self, load: NodeLoad, measure: bool = True) -> bool:
        """Put this process's load on record, with its CPU (measured anew each round, or
        the last figure between rounds). One write at a time: a record never lands over a
        newer one. True if another process had taken this one for dead (its record was
        gone): its publishers were ended for everyone and must be announced again."""
        async with self._writing:
            load.cpu_pct = self._cpu.read(measure)
            new = await self.book.put(load)
            revived, self._on_record = new and self._on_record, True
            return revived

    async def loads(self, mine: Load) -> dict[str, Load]:
        """Every live process's advertised load, this one's (`mine`) as it is now."""
        now = time.time()
        loads = {n.node: n.load() for n in await self.book.all() if now - n.at <= self.ttl_s}
        loads[self.node] = mine
        return loads

    async def watch(self) -> Changes:
        now = time.time()
        alive: set[str] = set()
        removed = []
        for load in await self.book.all():
            if load.node == self.node:
                continue
            if now - load.at <= self.ttl_s:
                alive.add(load.node)
            elif await self.book.remove(load.node):
                removed.append(load)
        gone, self._alive = self._alive - alive, alive
        return Changes(removed, gone)

    async def withdraw(self) -> None:
        self._on_record = False
        await self.book.remove(self.node)


class CpuMeter:
    """This process's CPU, in % of one core, since the last reading."""

    def __init__(self) -> None:
        self._cpu, self._wall = time.process_time(), time.monotonic()
        self._last = 0.0

    def read(self, measure: bool = True) -> float:
        """A new figure, or (`measure=False`) the last one again."""
        if not measure:
            return self._last
        cpu, wall = time.process_time(), time.monotonic()
        self._last = round((cpu - self._cpu) / max(wall - self._wall, 1e-6) * 100, 1)
        self._cpu, self._wall = cpu, wall
        return self._last
