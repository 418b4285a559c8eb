"""The outgoing queue: batching into one frame, the tick, dedupe by seq, slow clients."""

from __future__ import annotations

import asyncio
import json

from plenary.connection import Connection, Flusher
from plenary.outlets import SendOutlet


class Wire:
    """A client socket: `gate` cleared means its buffer is full and sends must wait."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent = asyncio.Event()

    async def send(self, frame: str) -> None:
        await self.gate.wait()
        self.frames.append(frame)
        self.sent.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    async def next_frame(self) -> object:
        self.sent.clear()
        await asyncio.wait_for(self.sent.wait(), 5)
        return json.loads(self.frames[-1])

    async def until(self, count: int) -> None:
        while len(self.frames) < count:
            self.sent.clear()
            await asyncio.wait_for(self.sent.wait(), 5)


def connection(wire: Wire, flusher: Flusher, limit: int = 10) -> Connection:
    conn = Connection(SendOutlet(wire.send), wire.close, queue_limit=limit, flusher=flusher)
    conn.topics["k"] = 0
    return conn


async def test_what_is_pending_in_one_loop_turn_leaves_as_one_array_frame() -> None:
    wire = Wire()
    conn = connection(wire, Flusher(0.0))
    for seq in (1, 2, 3):
        conn.push("k", seq, json.dumps({"seq": seq}))
    assert await wire.next_frame() == [{"seq": 1}, {"seq": 2}, {"seq": 3}]


async def test_a_lone_event_leaves_at_once_and_a_burst_waits_for_the_tick() -> None:
    wire = Wire()
    conn = connection(wire, Flusher(0.05))
    loop = asyncio.get_running_loop()
    started = loop.time()
    for seq in (1, 2, 3):  # a quiet connection's first frames are not held back
        conn.push("k", seq, str(seq))
        assert await wire.next_frame() == seq
    assert loop.time() - started < 0.04
    conn.push("k", 4, "4")  # the burst is spent: held for the tick, then together
    conn.push("k", 5, "5")
    assert await wire.next_frame() == [4, 5]
    assert loop.time() - started >= 0.045
    assert len(wire.frames) == 4


async def test_events_already_delivered_are_dropped_and_buffering_keeps_order() -> None:
    wire = Wire()
    conn = connection(wire, Flusher(0.0))
    conn.topics["k"] = []  # attached, waiting for the snapshot's seq
    conn.push("k", 6, '"six"')
    conn.push("k", 5, '"five"')
    conn.start_topic("k", 4)
    conn.push("k", 5, '"five again"')
    assert await wire.next_frame() == ["five", "six"]


async def test_a_stalled_client_does_not_hold_up_the_others() -> None:
    stalled, fine = Wire(), Wire()
    stalled.gate.clear()  # its socket buffer is full
    flusher = Flusher(0.0)
    slow, fast = connection(stalled, flusher), connection(fine, flusher)
    for seq in (1, 2):
        slow.push("k", seq, str(seq))
        fast.push("k", seq, str(seq))
        assert await fine.next_frame() == seq
    assert stalled.frames == [] and slow.sending is not None
    stalled.gate.set()  # it reads again: what waited goes out, then the rest
    await stalled.until(2)
    assert stalled.frames == ["1", "2"]


async def test_a_client_that_falls_too_far_behind_is_closed_with_1013() -> None:
    wire = Wire()
    wire.gate.clear()
    conn = connection(wire, Flusher(0.0), limit=3)
    for seq in range(1, 7):
        conn.push("k", seq, str(seq))
        await asyncio.sleep(0)  # let the flusher run between events
    await asyncio.sleep(0)
    assert wire.closed is not None and wire.closed[0] == 1013
    await conn.closed()
