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


Key = tuple[str, str]


@dataclasses.dataclass
class _Memory:
    survey: Survey
    submitted: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    drafts: dict[str, dict[str, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    counters: dict[str, Counters] = dataclasses.field(default_factory=dict)
    pulses: dict[str, dict[str, dict[str, int]]] = dataclasses.field(default_factory=dict)
    records: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


class MemorySurveyStore:
    def __init__(self) -> None:
        self._surveys: dict[Key, _Memory] = {}
        self._index: dict[Key, list[str]] = {}

    async def create(self, event: str, survey: Survey) -> None:
        self._surveys[(event, survey.id)] = _Memory(survey)
        self._index.setdefault((event, survey.session), []).append(survey.id)

    async def get(self, event: str, survey_id: str) -> Survey | None:
        kept = self._surveys.get((event, survey_id))
        return kept.survey if kept else None

    async def of_session(self, event: str, session: str) -> list[Survey]:
        return [self._surveys[(event, s)].survey for s in self._index.get((event, session), [])]

    async def move(self, event: str, survey: Survey, was: State) -> Moved:
        kept = self._surveys.get((event, survey.id))
        if kept is None:
            return "not_found"
        if kept.survey.state != was:
            return kept.survey.state
        if was == "open" and kept.survey.round is not None:
            kept.drafts.pop(kept.survey.round, None)
        kept.survey = survey
        return "moved"

    async def delete(self, event: str, survey: Survey) -> None:
        if self._surveys.pop((event, survey.id), None) is not None:
            self._index[(event, survey.session)].remove(survey.id)

    def _open(self, event: str, survey_id: str, round_: str) -> _Memory | Outcome:
        kept = self._surveys.get((event, survey_id))
        if kept is None:
            return "not_found"
        if kept.survey.state != "open" or kept.survey.round != round_:
            return "survey_closed"
        return kept

    async def save(self, event: str, survey_id: str, round_: str, respondent: str,
                   answers: dict[str, Any]) -> Outcome:
        kept = self._open(event, survey_id, round_)
        if isinstance(kept, str):
            return kept
        if respondent in kept.submitted.get(round_, ()):
            return "already_submitted"
        kept.drafts.setdefault(round_, {})[respondent] = answers
        return "ok"

    async def mine(self, event: str, survey_id: str, round_: str,
                   respondent: str) -> tuple[dict[str, Any] | None, bool]:
        kept = self._surveys.get((event, survey_id))
        if kept is None:
            return None, False
        return (kept.drafts.get(round_, {}).get(respondent),
                respondent in kept.submitted.get(round_, ()))

    async def submit(self, event: str, survey_id: str, submission: Submission) -> Outcome:
        kept = self._open(event, survey_id, submission.round)
        if isinstance(kept, str):
            return kept
        done = kept.submitted.setdefault(submission.round, set())
        if submission.respondent in done:
            return "already_submitted"
        done.add(submission.respondent)
        counters = kept.counters.setdefault(submission.round, {m: {} for m in MODES})
        for name in submission.items:
            counters[submission.mode][name] = counters[submission.mode].get(name, 0) + 1
        kept.drafts.get(submission.round, {}).pop(submission.respondent, None)
        if submission.pulse is not None:
            kept.pulses.setdefault(submission.round, {})[submission.respondent] = submission.pulse
        if submission.record is not None:
            kept.records[f"{submission.round}|{submission.respondent}"] = submission.record
        return "ok"

    async def counts(self, event: str, survey_id: str,
                     round_: str) -> tuple[Survey | None, Counters]:
        kept = self._surveys.get((event, survey_id))
        if kept is None:
            return None, {m: {} for m in MODES}
        counters = kept.counters.get(round_, {})
        return kept.survey, {m: dict(counters.get(m, {})) for m in MODES}

    async def pulses(self, event: str, survey_id: str,
                     rounds: list[str]) -> dict[str, dict[str, dict[str, int]]]:
        kept = self._surveys.get((event, survey_id))
        return {r: dict(kept.pulses.get(r, {})) for r in rounds} if kept else {}

    async def records(self, event: str, survey_id: str) -> list[dict[str, Any]]:
        kept = self._surveys.get((event, survey_id))
        return [kept.records[k] for k in sorted(kept.records)] if kept else []


# -- Redis ---------------------------------------------------------------------------------------
class Keys:
    """Every key of surveys; one survey's keys share a hash tag (one slot for its scripts)."""

    @staticmethod
    def survey(event: str, survey_id: str) -> str:
        return f"plenary:survey:{{{event}:{survey_id}}}"  # hash: state, round, doc

    @classmethod
    def submitted(cls, event: str, survey_id: str, round_: str) -> str:
        return cls.survey(event, survey_id) + f":sub:{round_}"  # zset, scores 0

    @classmethod
    def drafts(cls, event: str, survey_id: str, round_: str) -> str:
        return cls.survey(event, survey_id) + f":draft:{round_}"  # hash tag -> answers

    @classmethod
    def counters(cls, event: str, survey_id: str, round_: str, mode: str) -> str:
        return cls.survey(event, survey_id) + f":n:{round_}:{mode}"

    @classmethod
    def pulses(cls, event: str, survey_id: str, round_: str) -> str:
        return cls.survey(event, survey_id) + f":p:{round_}"  # hash pseudonym -> ratings

    @classmethod
    def records(cls, event: str, survey_id: str) -> str:
        return cls.survey(event, survey_id) + ":records"  # hash round|user -> record

    @staticmethod
    def index(event: str, session: str) -> str:
        return f"plenary:surveys:{event}:{session}"  # zset: survey id by created_at

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


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _survey(doc: bytes | None) -> Survey | None:
    return None if doc is None else msgspec.json.decode(doc, type=Survey)
