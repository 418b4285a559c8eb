"""The survey and attendance stores' contract: embedded (memory, SQLite) and Redis alike,
submit once, drafts kept until submitted or closed, a restart keeps what was acknowledged,
and every Redis key follows the one key scheme."""

from __future__ import annotations

import re

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from harness import RedisServer
from plenary.features.engagement.rules import Stay
from plenary.features.engagement.store import STORE as ATTENDANCE
from plenary.features.engagement.store import AttendanceStore
from plenary.features.surveys import rules
from plenary.features.surveys.rules import Question, Survey
from plenary.features.surveys.store import STORE, Submission, SurveyStore
from stores import STORE_BACKENDS, Stores

SCHEME = re.compile(r"^plenary:[a-z]+:\{(?P<event>[^{}]+)\}(:.*)?$")


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> SurveyStore:
    return stores.open(STORE, request.param)


@pytest.fixture(params=STORE_BACKENDS)
def attendance(request: pytest.FixtureRequest, stores: Stores) -> AttendanceStore:
    return stores.open(ATTENDANCE, request.param)


def survey(sid: str = "s1", **fields: object) -> Survey:
    questions = [Question(id="q1", title="Rested?", kind="scale", scale=5)]
    return Survey(id=sid, session="opening", title="Pulse", questions=questions,
                  created_at=len(sid), **fields)  # type: ignore[arg-type]


async def opened(store: SurveyStore, ev: str, round_: str = "main", **fields: object) -> Survey:
    draft = survey(**fields)
    await store.create(ev, draft)
    now = rules.opened(draft, round_, None)
    assert await store.move(ev, now, "draft") == "moved"
    return now


def submission(who: str, rating: int, round_: str = "main", mode: str = "remote",
               **extra: object) -> Submission:
    return Submission(round=round_, respondent=who, mode=mode,
                      items=["respondents", "q1|votes", f"q1|r:{rating}"], **extra)  # type: ignore[arg-type]


async def test_save_then_submit_once(store: SurveyStore, ev: str) -> None:
    await opened(store, ev)
    assert await store.save(ev, "s1", "main", "t1", {"q1": {"rating": 2}}) == "ok"
    assert await store.mine(ev, "s1", "main", "t1") == ({"q1": {"rating": 2}}, False)
    assert await store.submit(ev, "s1", submission("t1", 4, mode="in_room")) == "ok"
    assert await store.mine(ev, "s1", "main", "t1") == (None, True)
    assert await store.submit(ev, "s1", submission("t1", 5)) == "already_submitted"
    assert await store.save(ev, "s1", "main", "t1", {}) == "already_submitted"
    assert await store.submit(ev, "s1", submission("t2", 4)) == "ok"
    _, counters = await store.counts(ev, "s1", "main")
    assert counters == {"in_room": {"respondents": 1, "q1|votes": 1, "q1|r:4": 1},
                        "remote": {"respondents": 1, "q1|votes": 1, "q1|r:4": 1}}


async def test_refused_when_not_open_or_another_round(store: SurveyStore, ev: str) -> None:
    assert await store.submit(ev, "nope", submission("t1", 1)) == "not_found"
    await store.create(ev, survey())
    assert await store.save(ev, "s1", "main", "t1", {}) == "survey_closed"
    now = await opened(store, ev, "2026-06-01", sid="s2", series=True)
    assert await store.submit(ev, "s2", submission("t1", 1, round_="2026-06-02")) == \
        "survey_closed"
    assert await store.save(ev, "s2", "2026-06-01", "t1", {"q1": {"rating": 1}}) == "ok"
    # Closing the round drops its drafts: no answers stay linked to a respondent.
    assert await store.move(ev, rules.closed(now, None), "open") == "moved"
    assert await store.mine(ev, "s2", "2026-06-01", "t1") == (None, False)
    assert await store.move(ev, now, "open") == "closed"


async def test_pulses_records_and_delete(store: SurveyStore, ev: str) -> None:
    now = await opened(store, ev, "d1", series=True, anonymous=False)
    record = {"user": "u1", "name": "Ana", "mode": "remote", "answers": {"q1": {"rating": 3}}}
    await store.submit(ev, "s1", submission("u1", 3, round_="d1", pulse={"q1": 3},
                                            record=record))
    assert await store.pulses(ev, "s1", ["d1", "d2"]) == {"d1": {"u1": {"q1": 3}}, "d2": {}}
    assert await store.records(ev, "s1") == [record]
    assert [s.id for s in await store.of_session(ev, "opening")] == ["s1"]
    await store.delete(ev, now)
    assert await store.get(ev, "s1") is None and await store.records(ev, "s1") == []
    assert (await store.counts(ev, "s1", "d1"))[1] == {"in_room": {}, "remote": {}}


async def test_the_sqlite_store_reopens_with_everything_acknowledged(stores: Stores,
                                                                     ev: str) -> None:
    store = stores.open(STORE, "sqlite")
    now = await opened(store, ev, "d1", series=True)
    await store.save(ev, "s1", "d1", "t1", {"q1": {"rating": 2}})
    await store.submit(ev, "s1", submission("t2", 5, round_="d1", pulse={"q1": 5}))
    again = stores.reopen(STORE)
    assert await again.get(ev, "s1") == now
    assert await again.mine(ev, "s1", "d1", "t1") == ({"q1": {"rating": 2}}, False)
    assert await again.submit(ev, "s1", submission("t2", 1, round_="d1")) == \
        "already_submitted"
    assert await again.pulses(ev, "s1", ["d1"]) == {"d1": {"t2": {"q1": 5}}}
    assert [s.id for s in await again.of_session(ev, "opening")] == ["s1"]


async def test_attendance_stays(attendance: AttendanceStore, ev: str) -> None:
    await attendance.enter(ev, "opening", "c1", "a", "in_room", 1000)
    await attendance.enter(ev, "opening", "c2", "b", "remote", 2000)
    await attendance.leave(ev, "opening", "c1", 5000)
    await attendance.leave(ev, "opening", "c1", 9000)  # twice: the stay ends once
    await attendance.leave(ev, "opening", "c9", 9000)  # never entered: nothing
    stays = sorted(await attendance.stays(ev, "opening", 7000), key=lambda s: s.who)
    assert stays == [Stay("a", "in_room", 1000, 5000), Stay("b", "remote", 2000, 7000)]
    assert await attendance.stays(ev, "other", 7000) == []


async def test_survey_and_attendance_keys_follow_the_scheme(
        redis_server: RedisServer, redis_client: aioredis.Redis) -> None:
    redis_server.flush()
    store = STORE.redis(redis_client)
    await opened(store, "ev", "d1", series=True, anonymous=False)
    await store.save("ev", "s1", "d1", "t1", {"q1": {"rating": 2}})
    await store.submit("ev", "s1", submission("t2", 5, round_="d1", pulse={"q1": 5},
                                              record={"user": "t2"}))
    seen = ATTENDANCE.redis(redis_client)
    await seen.enter("ev", "opening", "c1", "a", "remote", 1)
    await seen.enter("ev", "opening", "c2", "b", "remote", 1)
    await seen.leave("ev", "opening", "c1", 2)
    keys = [k.decode() async for k in redis_client.scan_iter(count=1000)]
    assert len(keys) >= 8
    for key in keys:
        assert SCHEME.match(key), f"{key} does not follow the key scheme"
    assert len({key_slot(k.encode()) for k in keys}) == 1
