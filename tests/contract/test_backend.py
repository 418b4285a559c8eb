"""The contract every backend keeps (embedded and Redis alike)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from plenary.backends.base import Backend, topic_key
from plenary.backends.tables import Database, DataInUse

KEY = topic_key("ev", "session:opening")


class Receiver:
    def __init__(self) -> None:
        self.got: list[tuple[str, int, dict[str, object]]] = []
        self.arrived = asyncio.Event()

    def __call__(self, key: str, seq: int, frame: str) -> None:
        self.got.append((key, seq, json.loads(frame)))
        self.arrived.set()

    async def wait_for(self, count: int) -> None:
        while len(self.got) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 5)


async def _no_resync() -> None:
    return None


async def test_publish_numbers_events_on_each_topic_from_one(backend: Backend) -> None:
    seqs = [await backend.broker.publish(KEY, "t", b'{"n":1}') for _ in range(3)]
    other = await backend.broker.publish(topic_key("ev", "session:other"), "t", b"{}")
    assert seqs == [1, 2, 3] and other == 1
    assert await backend.broker.last_seqs([KEY, topic_key("ev", "nothing")]) == {
        KEY: 3, topic_key("ev", "nothing"): 0}


async def test_subscribers_get_the_encoded_event_with_its_topic_and_seq(backend: Backend) -> None:
    receiver = Receiver()
    backend.broker.set_receiver(receiver, _no_resync)
    await backend.broker.subscribe(KEY)
    await backend.broker.publish(KEY, "qa.question", b'{"question":{"id":"q1"}}')
    await receiver.wait_for(1)
    assert receiver.got == [(KEY, 1, {"type": "qa.question", "topic": "session:opening",
                                      "seq": 1, "data": {"question": {"id": "q1"}}})]


async def test_unsubscribed_topics_are_not_delivered(backend: Backend) -> None:
    receiver = Receiver()
    backend.broker.set_receiver(receiver, _no_resync)
    await backend.broker.subscribe(KEY)
    await backend.broker.unsubscribe(KEY)
    other = topic_key("ev", "session:b")
    await backend.broker.subscribe(other)
    await backend.broker.publish(KEY, "t", b"{}")
    await backend.broker.publish(other, "t", b"{}")
    await receiver.wait_for(1)
    assert [k for k, _, _ in receiver.got] == [other]


async def test_history_replays_after_a_seq_until_it_no_longer_reaches(backend: Backend) -> None:
    for n in range(1, 8):  # history_size is 5: seqs 3..7 are kept
        await backend.broker.publish(KEY, "t", b'{"n":%d}' % n)
    replay = await backend.broker.history(KEY, 4)
    assert replay is not None
    assert [s for s, _ in replay] == [5, 6, 7]
    assert [json.loads(f)["data"]["n"] for _, f in replay] == [5, 6, 7]
    assert await backend.broker.history(KEY, 7) == []
    assert [s for s, _ in await backend.broker.history(KEY, 2) or []] == [3, 4, 5, 6, 7]
    assert await backend.broker.history(KEY, 1) is None  # seq 2 is gone
    assert await backend.broker.history(KEY, 8) is None  # from the future


async def test_a_stream_has_one_epoch_from_its_first_position_on(backend: Backend) -> None:
    other = topic_key("ev", "session:quiet")
    first = await backend.broker.positions([KEY, other])
    assert first[KEY].seq == 0 and first[KEY].epoch and first[other].epoch != first[KEY].epoch
    await backend.broker.publish(KEY, "t", b"{}")
    await backend.broker.publish(KEY, "t", b"{}")
    now = await backend.broker.positions([KEY])
    assert now[KEY] == (first[KEY].epoch, 2)
    assert [s for s, _ in await backend.broker.history(KEY, 1, now[KEY].epoch) or []] == [2]
    assert await backend.broker.history(KEY, 1, "another-stream") is None
    assert await backend.broker.history(KEY, 1) is not None  # a bare seq keeps working


async def test_presence_counts_users_once_and_prefers_in_room(backend: Backend) -> None:
    p = backend.presence
    await p.enter(KEY, "c1", "ana", "remote")
    await p.enter(KEY, "c2", "ana", "in_room")
    await p.enter(KEY, "c3", "ben", "remote")
    await p.enter(KEY, "c4", "cleo", "in_room")
    await p.enter(KEY, "c5", "cleo", "remote")
    assert await p.members(KEY) == {"ana": "in_room", "ben": "remote", "cleo": "in_room"}
    assert await p.count(KEY) == (3, 2)
    await p.leave(KEY, "c2")
    await p.leave(KEY, "c3")
    assert await p.members(KEY) == {"ana": "remote", "cleo": "in_room"}
    assert await p.count(KEY) == (2, 1)


async def test_a_tick_is_claimed_once_per_interval(backend: Backend) -> None:
    claims = [await backend.presence.claim_tick(KEY, 10) for _ in range(3)]
    assert claims == [True, False, False]


async def test_due_jobs_run_once_and_cancelled_ones_never(backend: Backend) -> None:
    ran: list[tuple[str, dict[str, object]]] = []
    done = asyncio.Event()

    async def handler(job: str, payload: dict[str, object]) -> None:
        ran.append((job, payload))
        done.set()

    backend.scheduler.handle("poll", handler)
    await backend.scheduler.schedule("poll:ev:p2", time.time() + 0.1, {"n": 2})
    await backend.scheduler.schedule("poll:ev:p1", time.time() + 0.1, {"n": 1})
    await backend.scheduler.cancel("poll:ev:p1")
    await asyncio.wait_for(done.wait(), 5)
    assert ran == [("poll:ev:p2", {"n": 2})]


async def test_a_moved_job_runs_at_its_new_time(backend: Backend) -> None:
    ran = asyncio.Event()

    async def handler(job: str, payload: dict[str, object]) -> None:
        ran.set()

    backend.scheduler.handle("b", handler)
    await backend.scheduler.schedule("b:x", time.time() + 0.05, {})
    await backend.scheduler.schedule("b:x", time.time() + 60, {})
    await asyncio.sleep(0.4)  # the first due time passes: nothing may run
    assert not ran.is_set()


async def test_the_limiter_counts_per_key_within_a_window(backend: Backend) -> None:
    hits = [await backend.limiter.hit("u1:ask", 3, 60) for _ in range(4)]
    assert hits == [True, True, True, False]
    assert await backend.limiter.hit("u2:ask", 3, 60)


async def test_documents_and_fields(backend: Backend) -> None:
    assert await backend.docs.get("ev", "definition") is None
    await backend.docs.put("ev", "definition", b'{"a":1}')
    assert await backend.docs.get("ev", "definition") == b'{"a":1}'
    assert await backend.docs.get("other", "definition") is None
    await backend.docs.set_fields("ev", "state:x", {"live": "1"})
    await backend.docs.set_fields("ev", "state:x", {"qa_moderated": "0"})
    assert await backend.docs.fields("ev", "state:x") == {"live": "1", "qa_moderated": "0"}
    assert await backend.ready()


def test_one_process_per_data_folder(tmp_path: Path) -> None:
    first = Database(tmp_path / "plenary.db")
    with pytest.raises(DataInUse):
        Database(tmp_path / "plenary.db")
    first.close()
    Database(tmp_path / "plenary.db").close()  # free again once the first let go
