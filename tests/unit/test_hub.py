"""The hub's fan-out against the embedded broker: order, gaps, a restarted stream."""

from __future__ import annotations

import asyncio
import json

from plenary.backends.memory import MemoryBroker
from plenary.connection import Connection, Flusher
from plenary.hub import Hub
from plenary.outlets import SendOutlet


class Wire:
    def __init__(self) -> None:
        self.messages: list[object] = []
        self.closed: tuple[int, str] | None = None
        self.arrived = asyncio.Event()

    async def send(self, frame: str) -> None:
        message = json.loads(frame)
        self.messages += message if isinstance(message, list) else [message]
        self.arrived.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)
        self.arrived.set()

    async def until(self, predicate: object) -> None:
        while not predicate():  # type: ignore[operator]
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 5)


async def subscribed(hub: Hub, key: str, wire: Wire) -> Connection:
    conn = Connection(SendOutlet(wire.send), wire.close, queue_limit=100, flusher=Flusher(0.0))
    await hub.attach(conn, key)
    hub.start(conn, key, 0)
    return conn


async def test_every_subscriber_gets_each_event_once_in_order() -> None:
    broker = MemoryBroker(history_size=10)
    hub = Hub(broker)
    wires = [Wire(), Wire()]
    for wire in wires:
        await subscribed(hub, "ev|session:s", wire)
    for n in range(3):
        await broker.publish("ev|session:s", "t", b'{"n":%d}' % n)
    for wire in wires:
        await wire.until(lambda w=wire: len(w.messages) == 3)
        assert [m["seq"] for m in wire.messages] == [1, 2, 3]  # type: ignore[index]


async def test_a_gap_is_filled_from_the_history_before_going_on() -> None:
    broker = MemoryBroker(history_size=10)
    hub = Hub(broker)
    wire = Wire()
    await subscribed(hub, "k|session:s", wire)
    await broker.publish("k|session:s", "t", b"{}")
    deliver, broker._deliver = broker._deliver, None  # pub/sub lost: seqs 2 and 3 never arrive
    await broker.publish("k|session:s", "t", b"{}")
    await broker.publish("k|session:s", "t", b"{}")
    broker._deliver = deliver
    await broker.publish("k|session:s", "t", b"{}")  # seq 4 reveals the gap
    await wire.until(lambda: len(wire.messages) == 4)
    assert [m["seq"] for m in wire.messages] == [1, 2, 3, 4]  # type: ignore[index]


async def test_a_stream_that_restarts_at_one_sends_its_clients_to_resync() -> None:
    hub = Hub(MemoryBroker(history_size=10))
    wire = Wire()
    await subscribed(hub, "k|session:s", wire)
    for seq in (1, 2, 3):
        hub.deliver("k|session:s", seq, '{"seq":%d}' % seq)
    hub.deliver("k|session:s", 1, '{"seq":1}')  # the backend lost its data
    await wire.until(lambda: wire.closed is not None)
    assert wire.closed is not None and wire.closed[0] == 1013
