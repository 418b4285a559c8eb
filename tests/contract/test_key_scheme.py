"""Every Redis key follows the one scheme, `plenary:<space>:{<event>}:…`: all keys of an
event hash to one Redis Cluster slot."""

from __future__ import annotations

import re

import msgspec
import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from harness import RedisServer
from plenary.backends.base import topic_key
from plenary.backends.keys import GLOBAL, KeySpace
from plenary.backends.redis import RedisBackend
from plenary.features.breakouts import rules as breakout_rules
from plenary.features.breakouts.store import STORE as BREAKOUTS
from plenary.features.breakouts.store import Report
from plenary.features.media.store import STORE as MEDIA
from plenary.features.media.store import Entry
from plenary.features.polls.rules import Poll
from plenary.features.polls.store import STORE as POLLS
from plenary.features.polls.store import Ballot
from plenary.features.qa import rules as qa_rules
from plenary.features.qa.store import STORE as QA

SCHEME = re.compile(r"^plenary:[a-z]+:\{(?P<event>[^{}]+)\}(:.*)?$")


def test_a_key_space_builds_and_reads_back_its_keys() -> None:
    poll = KeySpace("poll")
    assert poll("ev-1", "p-1", "voters") == "plenary:poll:{ev-1}:p-1:voters"
    assert poll.event_of("plenary:poll:{ev-1}:p-1:voters") == ("ev-1", "p-1:voters")
    with pytest.raises(ValueError):
        KeySpace("a:b")
    with pytest.raises(ValueError):
        poll("e}v")


async def test_every_key_written_has_the_event_as_hash_tag(redis_server: RedisServer) -> None:
    redis_server.flush()
    backend = RedisBackend(redis_server.url)
    await backend.start()
    try:
        await _touch_everything(backend, "ev")
    finally:
        await backend.close()
    client = aioredis.Redis.from_url(redis_server.url)
    keys = [k.decode() async for k in client.scan_iter(count=1000)]
    await client.aclose()
    assert len(keys) > 20
    events = {}
    for key in keys:
        found = SCHEME.match(key)
        assert found, f"{key} does not follow the key scheme"
        events.setdefault(found["event"], set()).add(key_slot(key.encode()))
    assert set(events) == {"ev", GLOBAL}
    assert all(len(slots) == 1 for slots in events.values())


async def _touch_everything(backend: RedisBackend, ev: str) -> None:
    key = topic_key(ev, "session:opening")
    await backend.broker.publish(key, "t", b"{}")
    await backend.presence.enter(key, "c1", "u1", "remote")
    await backend.presence.claim_tick(key, 1.0)
    await backend.limiter.hit(f"{ev}:u1:qa.ask", 5, 60)
    await backend.docs.put(ev, "definition", b"{}")
    await backend.docs.set_fields(ev, "session-state:opening", {"live": "1"})
    await backend.scheduler.schedule("poll:x", 9e9, {"event": ev})
    qa = backend.open_store(QA)
    q = qa_rules.new_question("q-1", "opening", "Why?", author_id="u1", author_name="Ana",
                              anonymous=False, mode="remote", moderated=False, now_ms=1)
    await qa.add(ev, q)
    await qa.vote(ev, "q-1", "u2", up=True)
    polls = backend.open_store(POLLS)
    poll = Poll(id="p1", session="opening", title="P", kind="single", options=["A", "B"],
                anonymous=False)
    await polls.create(ev, poll)
    await polls.move(ev, msgspec.structs.replace(poll, state="open"), "draft", False)
    await polls.vote(ev, "p1", Ballot("u1", "remote", ["A"], {"mode": "remote",
                                                              "items": ["A"]}), False)
    breakouts = backend.open_store(BREAKOUTS)
    b = breakout_rules.new_breakout(ev, "opening", ["One", "Two"], "self", now=1.0)
    await breakouts.create(b)
    opened = breakout_rules.opened(b, 2.0)
    await breakouts.replace(b, opened)
    await breakouts.place(ev, b.id, "u1", "join", b.rooms[0].id)
    await breakouts.set_report(ev, b.id, b.rooms[0].id, Report("Ok", "u1", "Ana", 3.0))
    await breakouts.remember(ev, "u1", "Ana", "attendee")
    media = backend.open_store(MEDIA)
    await media.put(ev, Entry("m1", "u1", "Ana", "camera", "session:opening", "n1"))
