"""Where surveys live: the survey, who submitted each round, drafts, counters, pulse values.

Secrecy as in polls: *who submitted* (a set of respondent tags per round, scores all 0) is
kept apart from the counters, which a submission only adds to. Two things link a tag to
answers, each only as long as it must:
- a *draft* (answers saved but not submitted), deleted on submit and when the round closes;
- in a series, the *pulse values* of one day (`{question: rating}` per pseudonym), kept so
  trends across days can be computed in aggregate; never with a user id.
Named surveys keep each submission with the respondent's id and name, for moderators.

Submitting is one atomic step (a Lua script in Redis, one uninterrupted method in memory):
the survey is open on that round, the respondent has not submitted it, add them, add their
answers to the counters, drop their draft. Every Redis key of surveys is spelled in `Keys`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.tables import Table, Tables
from ...messages import MODES, decode, encode
from .rules import Counters, State, Survey

Outcome = Literal["ok", "not_found", "survey_closed", "already_submitted"]
Moved = Literal["moved", "not_found"] | State


@dataclasses.dataclass(frozen=True, slots=True)
class Submission:
    round: str
    respondent: str  # a pseudonym (anonymous) or the user id (named)
    mode: str
    items: list[str]  # the counters it adds one to
    pulse: dict[str, int] | None = None  # a series' rating answers, kept per pseudonym
    record: dict[str, Any] | None = None  # named surveys: who answered what


class SurveyStore(Protocol):
    async def create(self, event: str, survey: Survey) -> None: ...

    async def get(self, event: str, survey_id: str) -> Survey | None: ...

    async def of_session(self, event: str, session: str) -> list[Survey]:
        """The session's surveys, oldest first."""

    async def move(self, event: str, survey: Survey, was: State) -> Moved:
        """Store `survey` if the stored one is still in state `was`; leaving an open round
        drops that round's drafts."""

    async def delete(self, event: str, survey: Survey) -> None: ...

    async def save(self, event: str, survey_id: str, round_: str, respondent: str,
                   answers: dict[str, Any]) -> Outcome: ...

    async def mine(self, event: str, survey_id: str, round_: str,
                   respondent: str) -> tuple[dict[str, Any] | None, bool]:
        """(saved draft answers or None, submitted?)"""

    async def submit(self, event: str, survey_id: str, submission: Submission) -> Outcome: ...

    async def counts(self, event: str, survey_id: str,
                     round_: str) -> tuple[Survey | None, Counters]: ...

    async def pulses(self, event: str, survey_id: str,
                     rounds: list[str]) -> dict[str, dict[str, dict[str, int]]]:
        """round -> pseudonym -> question -> rating."""

    async def records(self, event: str, survey_id: str) -> list[dict[str, Any]]: ...


class EmbeddedSurveyStore:
    """Rows: surveys, one per (survey, round, respondent) submitted, drafts, pulse values,
    named records and each round's counters per mode; a session's survey list is derived
    from them when the store opens. Each method changes its rows without awaiting, then
    waits for them to be durable (SQLite), so it stays one atomic step."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._surveys = self._tables.table("surveys.surveys", Survey)  # (event, survey)
        self._submitted = self._tables.table("surveys.submitted", bool)  # (e, s, round, who)
        self._drafts = self._tables.table("surveys.drafts", dict[str, Any])  # (e, s, r, who)
        self._counts = self._tables.table("surveys.counters", dict[str, int])  # (e, s, r, mode)
        self._pulses = self._tables.table("surveys.pulses", dict[str, int])  # (e, s, r, who)
        self._records = self._tables.table("surveys.records", dict[str, Any])  # (e, s, r, who)
        self._index: dict[tuple[str, str], list[str]] = {}
        for (event, _), survey in sorted(self._surveys.items(), key=lambda r: r[1].created_at):
            self._index.setdefault((event, survey.session), []).append(survey.id)

    async def create(self, event: str, survey: Survey) -> None:
        self._surveys.put((event, survey.id), survey)
        self._index.setdefault((event, survey.session), []).append(survey.id)
        await self._tables.durable()

    async def get(self, event: str, survey_id: str) -> Survey | None:
        return self._surveys.get((event, survey_id))

    async def of_session(self, event: str, session: str) -> list[Survey]:
        return [self._surveys[(event, s)] for s in self._index.get((event, session), [])]

    async def move(self, event: str, survey: Survey, was: State) -> Moved:
        current = self._surveys.get((event, survey.id))
        if current is None:
            return "not_found"
        if current.state != was:
            return current.state
        if was == "open" and current.round is not None:
            self._drop(self._drafts, (event, survey.id, current.round))
        self._surveys.put((event, survey.id), survey)
        await self._tables.durable()
        return "moved"

    async def delete(self, event: str, survey: Survey) -> None:
        if self._surveys.pop((event, survey.id)) is not None:
            self._index[(event, survey.session)].remove(survey.id)
        for table in (self._submitted, self._drafts, self._counts, self._pulses,
                      self._records):
            self._drop(table, (event, survey.id))
        await self._tables.durable()

    @staticmethod
    def _drop(table: Table[Any], prefix: tuple[str, ...]) -> None:
        for key, _ in table.items():
            if key[:len(prefix)] == prefix:
                table.pop(key)

    def _open(self, event: str, survey_id: str, round_: str, who: str) -> Outcome | None:
        survey = self._surveys.get((event, survey_id))
        if survey is None:
            return "not_found"
        if survey.state != "open" or survey.round != round_:
            return "survey_closed"
        if (event, survey_id, round_, who) in self._submitted:
            return "already_submitted"
        return None

    async def save(self, event: str, survey_id: str, round_: str, respondent: str,
                   answers: dict[str, Any]) -> Outcome:
        refused = self._open(event, survey_id, round_, respondent)
        if refused is not None:
            return refused
        self._drafts.put((event, survey_id, round_, respondent), answers)
        await self._tables.durable()
        return "ok"

    async def mine(self, event: str, survey_id: str, round_: str,
                   respondent: str) -> tuple[dict[str, Any] | None, bool]:
        key = (event, survey_id, round_, respondent)
        return self._drafts.get(key), key in self._submitted

    async def submit(self, event: str, survey_id: str, submission: Submission) -> Outcome:
        key = (event, survey_id, submission.round, submission.respondent)
        refused = self._open(*key)
        if refused is not None:
            return refused
        self._submitted.put(key, True)
        where = (event, survey_id, submission.round, submission.mode)
        counters = dict(self._counts.get(where) or {})
        for name in submission.items:
            counters[name] = counters.get(name, 0) + 1
        self._counts.put(where, counters)
        self._drafts.pop(key)
        if submission.pulse is not None:
            self._pulses.put(key, submission.pulse)
        if submission.record is not None:
            self._records.put(key, submission.record)
        await self._tables.durable()
        return "ok"

    async def counts(self, event: str, survey_id: str,
                     round_: str) -> tuple[Survey | None, Counters]:
        return self._surveys.get((event, survey_id)), {
            m: dict(self._counts.get((event, survey_id, round_, m)) or {}) for m in MODES}

    async def pulses(self, event: str, survey_id: str,
                     rounds: list[str]) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {r: {} for r in rounds}
        for (e, s, round_, who), values in self._pulses.items():
            if (e, s) == (event, survey_id) and round_ in out:
                out[round_][who] = values
        return out

    async def records(self, event: str, survey_id: str) -> list[dict[str, Any]]:
        kept = [(key[2:], record) for key, record in self._records.items()
                if key[:2] == (event, survey_id)]
        return [record for _, record in sorted(kept, key=lambda kv: kv[0])]


# -- Redis ---------------------------------------------------------------------------------------
SURVEY = KeySpace("survey")


class Keys:
    """Every key of surveys, in one key space: an event's keys (and so a survey's, which
    its scripts take together) share a slot."""

    @staticmethod
    def survey(event: str, survey_id: str) -> str:
        return SURVEY(event, survey_id)  # hash: state, round, doc

    @staticmethod
    def submitted(event: str, survey_id: str, round_: str) -> str:
        return SURVEY(event, survey_id, "sub", round_)  # zset, scores 0

    @staticmethod
    def drafts(event: str, survey_id: str, round_: str) -> str:
        return SURVEY(event, survey_id, "draft", round_)  # hash respondent -> answers

    @staticmethod
    def counters(event: str, survey_id: str, round_: str, mode: str) -> str:
        return SURVEY(event, survey_id, "n", round_, mode)

    @staticmethod
    def pulses(event: str, survey_id: str, round_: str) -> str:
        return SURVEY(event, survey_id, "p", round_)  # hash pseudonym -> ratings

    @staticmethod
    def records(event: str, survey_id: str) -> str:
        return SURVEY(event, survey_id, "records")  # hash round|user -> record

    @staticmethod
    def index(event: str, session: str) -> str:
        return SURVEY(event, "sessions", session)  # zset: survey id by created_at

    @classmethod
    def of_round(cls, event: str, survey_id: str, round_: str) -> list[str]:
        return [cls.submitted(event, survey_id, round_), cls.drafts(event, survey_id, round_),
                *(cls.counters(event, survey_id, round_, m) for m in MODES),
                cls.pulses(event, survey_id, round_)]


# KEYS: survey, drafts of the round being left; ARGV: was, state, round, doc
MOVE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'not_found' end
if state ~= ARGV[1] then return state end
if state == 'open' then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'round', ARGV[3], 'doc', ARGV[4])
return 'moved'
"""

_OPEN = """
local state = redis.call('HMGET', KEYS[1], 'state', 'round')
if not state[1] then return 'not_found' end
if state[1] ~= 'open' or state[2] ~= ARGV[1] then return 'survey_closed' end
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 'already_submitted' end
"""

# KEYS: survey, submitted, drafts; ARGV: round, respondent, answers
SAVE = _OPEN + """
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return 'ok'
"""

# KEYS: survey, submitted, drafts, counters in_room, counters remote, pulses, records
# ARGV: round, respondent, mode, pulse ('' none), record ('' none), counter names...
SUBMIT = _OPEN + """
redis.call('ZADD', KEYS[2], 0, ARGV[2])
local counters = ARGV[3] == 'in_room' and KEYS[4] or KEYS[5]
for i = 6, #ARGV do redis.call('HINCRBY', counters, ARGV[i], 1) end
redis.call('HDEL', KEYS[3], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[6], ARGV[2], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[7], ARGV[1] .. '|' .. ARGV[2], ARGV[5]) end
return 'ok'
"""


class RedisSurveyStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._move = client.register_script(MOVE)
        self._save = client.register_script(SAVE)
        self._submit = client.register_script(SUBMIT)

    async def create(self, event: str, survey: Survey) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.hset(Keys.survey(event, survey.id),
                  mapping={"state": survey.state, "round": "", "doc": encode(survey)})
        pipe.zadd(Keys.index(event, survey.session), {survey.id: survey.created_at})
        await pipe.execute()

    async def get(self, event: str, survey_id: str) -> Survey | None:
        doc = await self._client.hget(Keys.survey(event, survey_id), "doc")
        return _survey(doc)  # type: ignore[arg-type]

    async def of_session(self, event: str, session: str) -> list[Survey]:
        ids = await self._client.zrange(Keys.index(event, session), 0, -1)
        pipe = self._client.pipeline(transaction=False)
        for survey_id in ids:
            pipe.hget(Keys.survey(event, _text(survey_id)), "doc")
        found = [_survey(doc) for doc in await pipe.execute()]
        return [s for s in found if s is not None]

    async def move(self, event: str, survey: Survey, was: State) -> Moved:
        current = await self.get(event, survey.id)
        leaving = current.round if current is not None and current.round else ""
        keys = [Keys.survey(event, survey.id), Keys.drafts(event, survey.id, leaving)]
        args: list[str | bytes] = [was, survey.state, survey.round or "", encode(survey)]
        return (await self._move(keys, args)).decode()

    async def delete(self, event: str, survey: Survey) -> None:
        keys = [Keys.survey(event, survey.id), Keys.records(event, survey.id)]
        for round_ in survey.rounds:
            keys += Keys.of_round(event, survey.id, round_)
        pipe = self._client.pipeline(transaction=True)
        pipe.delete(*keys)
        pipe.zrem(Keys.index(event, survey.session), survey.id)
        await pipe.execute()

    async def save(self, event: str, survey_id: str, round_: str, respondent: str,
                   answers: dict[str, Any]) -> Outcome:
        keys = [Keys.survey(event, survey_id), Keys.submitted(event, survey_id, round_),
                Keys.drafts(event, survey_id, round_)]
        return (await self._save(keys, [round_, respondent, encode(answers)])).decode()

    async def mine(self, event: str, survey_id: str, round_: str,
                   respondent: str) -> tuple[dict[str, Any] | None, bool]:
        pipe = self._client.pipeline(transaction=True)
        pipe.hget(Keys.drafts(event, survey_id, round_), respondent)
        pipe.zscore(Keys.submitted(event, survey_id, round_), respondent)
        draft, score = await pipe.execute()
        return (decode(draft) if draft else None), score is not None

    async def submit(self, event: str, survey_id: str, submission: Submission) -> Outcome:
        r = submission.round
        keys = [Keys.survey(event, survey_id), Keys.submitted(event, survey_id, r),
                Keys.drafts(event, survey_id, r),
                *(Keys.counters(event, survey_id, r, m) for m in MODES),
                Keys.pulses(event, survey_id, r), Keys.records(event, survey_id)]
        pulse = encode(submission.pulse) if submission.pulse is not None else b""
        record = encode(submission.record) if submission.record is not None else b""
        args: list[str | bytes] = [r, submission.respondent, submission.mode, pulse, record,
                                   *submission.items]
        return (await self._submit(keys, args)).decode()

    async def counts(self, event: str, survey_id: str,
                     round_: str) -> tuple[Survey | None, Counters]:
        pipe = self._client.pipeline(transaction=True)  # one consistent read
        pipe.hget(Keys.survey(event, survey_id), "doc")
        for mode in MODES:
            pipe.hgetall(Keys.counters(event, survey_id, round_, mode))
        doc, *maps = await pipe.execute()
        counters = {str(m): {k.decode(): int(v) for k, v in raw.items()}
                    for m, raw in zip(MODES, maps, strict=True)}
        return _survey(doc), counters

    async def pulses(self, event: str, survey_id: str,
                     rounds: list[str]) -> dict[str, dict[str, dict[str, int]]]:
        pipe = self._client.pipeline(transaction=False)
        for round_ in rounds:
            pipe.hgetall(Keys.pulses(event, survey_id, round_))
        return {r: {k.decode(): decode(v) for k, v in raw.items()}
                for r, raw in zip(rounds, await pipe.execute(), strict=True)}

    async def records(self, event: str, survey_id: str) -> list[dict[str, Any]]:
        raw = await self._client.hgetall(Keys.records(event, survey_id))
        return [decode(raw[k]) for k in sorted(raw)]


STORE: StoreKind[SurveyStore] = StoreKind(EmbeddedSurveyStore, RedisSurveyStore)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _survey(doc: bytes | None) -> Survey | None:
    return None if doc is None else msgspec.json.decode(doc, type=Survey)
