"""The outgoing queue: batching into one frame, dedupe by seq, 1013 for a slow client."""

from __future__ import annotations

import asyncio
import json

from plenary.connection import Connection


class Wire:
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


async def test_pending_messages_leave_as_one_array_frame() -> None:
    wire = Wire()
    conn = Connection(wire.send, wire.close, queue_limit=10)
    conn.topics["k"] = 0
    for seq in (1, 2, 3):
        conn.push("k", seq, json.dumps({"seq": seq}))
    writer = asyncio.create_task(conn.run_writer())
    await asyncio.wait_for(wire.sent.wait(), 5)
    assert json.loads(wire.frames[0]) == [{"seq": 1}, {"seq": 2}, {"seq": 3}]
    writer.cancel()


async def test_events_already_delivered_are_dropped_and_buffering_keeps_order() -> None:
    wire = Wire()
    conn = Connection(wire.send, wire.close, queue_limit=10)
    conn.topics["k"] = []  # attached, waiting for the snapshot's seq
    conn.push("k", 6, "six")
    conn.push("k", 5, "five")
    conn.start_topic("k", 4)
    conn.push("k", 5, "five again")
    assert conn._pending == ["five", "six"]


async def test_a_client_that_falls_behind_is_closed_with_1013() -> None:
    wire = Wire()
    wire.gate.clear()  # the client reads nothing
    conn = Connection(wire.send, wire.close, queue_limit=3)
    conn.topics["k"] = 0
    for seq in range(1, 6):
        conn.push("k", seq, str(seq))
    await asyncio.sleep(0)
    assert wire.closed is not None and wire.closed[0] == 1013
