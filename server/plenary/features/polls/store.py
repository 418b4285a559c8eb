"""Where polls live: the poll, who voted, the counters, and (only where allowed) ballots.

Secrecy by construction: *who voted* is a set of voter names apart from the counters, and a
vote only adds to counters. A *ballot record* (which counters one voter added to) is kept
only when the feature asks: named polls (kept, shown to moderators) and anonymous polls
with `allow_change` (needed to undo the old vote; dropped when the poll closes).

One vote is one atomic step (a Lua script in Redis, one uninterrupted method in memory):
check the poll is open, check or add the voter, undo a replaced ballot, add the new one.
Every Redis key of polls is spelled in `Keys`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.replication import acknowledged
from ...backends.replies import text
from ...backends.tables import Tables
from ...messages import MODES, decode, encode
from .rules import VOTES, Counters, Poll, State

Outcome = Literal["ok", "replaced", "not_found", "poll_closed", "already_voted"]
Moved = Literal["moved", "not_found"] | State


@dataclasses.dataclass(frozen=True, slots=True)
class Ballot:
    voter: str  # a user id (named polls) or an unlinkable tag (anonymous polls)
    mode: str  # in_room | remote: which by_mode half it counts in
    items: list[str]  # the counters it adds one to
    record: dict[str, Any] | None = None  # what to keep about it; None keeps nothing


class PollStore(Protocol):
    async def create(self, event: str, poll: Poll) -> None: ...

    async def get(self, event: str, poll_id: str) -> Poll | None: ...

    async def of_session(self, event: str, session: str) -> list[Poll]:
        """The session's polls, oldest first."""

    async def move(self, event: str, poll: Poll, was: State, drop_ballots: bool) -> Moved:
        """Store `poll` (its new state) if the stored one is still in state `was`:
        'moved', 'not_found', or the state it is in instead."""

    async def delete(self, event: str, poll: Poll) -> None: ...

    async def vote(self, event: str, poll_id: str, ballot: Ballot,
                   allow_change: bool) -> Outcome: ...

    async def counts(self, event: str, poll_id: str) -> tuple[Poll | None, Counters]:
        """The poll and its counters, read together."""

    async def voted(self, event: str, pairs: list[tuple[str, str]]) -> list[bool]:
        """For each (poll id, voter): has that voter voted?"""

    async def records(self, event: str, poll_id: str) -> list[dict[str, Any]]:
        """The ballot records kept (named polls), in voter order."""


class EmbeddedPollStore:
    """Rows: polls, one row per (poll, voter), kept ballot records and each poll's counters
    per mode; a session's poll list and the voter sets are derived from them."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._polls = self._tables.table("polls.polls", Poll)  # (event, poll)
        self._voted = self._tables.table("polls.voters", bool)  # (event, poll, voter)
        self._kept = self._tables.table("polls.ballots", dict[str, Any])  # (event, poll, voter)
        self._counts = self._tables.table("polls.counters", dict[str, int])  # (event, poll, mode)
        self._index: dict[tuple[str, str], list[str]] = {}
        self._voters: dict[tuple[str, str], set[str]] = {}
        self._records: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for (event, _), poll in sorted(self._polls.items(), key=lambda r: r[1].created_at):
            self._add_poll(event, poll)
        for (event, poll_id, voter), _ in self._voted.items():
            self._voters.setdefault((event, poll_id), set()).add(voter)
        for (event, poll_id, voter), record in self._kept.items():
            self._records.setdefault((event, poll_id), {})[voter] = record

    def _add_poll(self, event: str, poll: Poll) -> None:
        self._index.setdefault((event, poll.session), []).append(poll.id)
        self._voters.setdefault((event, poll.id), set())
        self._records.setdefault((event, poll.id), {})

    async def create(self, event: str, poll: Poll) -> None:
        self._polls.put((event, poll.id), poll)
        self._add_poll(event, poll)
        await self._tables.durable()

    async def get(self, event: str, poll_id: str) -> Poll | None:
        return self._polls.get((event, poll_id))

    async def of_session(self, event: str, session: str) -> list[Poll]:
        return [self._polls[(event, p)] for p in self._index.get((event, session), [])]

    async def move(self, event: str, poll: Poll, was: State, drop_ballots: bool) -> Moved:
        current = self._polls.get((event, poll.id))
        if current is None:
            return "not_found"
        if current.state != was:
            return current.state
        self._polls.put((event, poll.id), poll)
        if drop_ballots:
            for voter in self._records.pop((event, poll.id), {}):
                self._kept.pop((event, poll.id, voter))
            self._records[(event, poll.id)] = {}
        await self._tables.durable()
        return "moved"

    async def delete(self, event: str, poll: Poll) -> None:
        key = (event, poll.id)
        if self._polls.pop(key) is not None:
            self._index[(event, poll.session)].remove(poll.id)
        for voter in self._voters.pop(key, set()):
            self._voted.pop((*key, voter))
        for voter in self._records.pop(key, {}):
            self._kept.pop((*key, voter))
        for mode in MODES:
            self._counts.pop((*key, mode))
        await self._tables.durable()

    async def vote(self, event: str, poll_id: str, ballot: Ballot,
                   allow_change: bool) -> Outcome:
        key = (event, poll_id)
        poll = self._polls.get(key)
        if poll is None:
            return "not_found"
        if poll.state != "open":
            return "poll_closed"
        outcome: Outcome = "ok"
        if ballot.voter in self._voters[key]:
            old = self._records[key].get(ballot.voter)
            if not allow_change or old is None:
                return "already_voted"
            self._count(key, old["mode"], old["items"], -1)
            outcome = "replaced"
        self._voters[key].add(ballot.voter)
        self._voted.put((*key, ballot.voter), True)
        self._count(key, ballot.mode, ballot.items, 1)
        if ballot.record is not None:
            self._records[key][ballot.voter] = ballot.record
            self._kept.put((*key, ballot.voter), ballot.record)
        await self._tables.durable()
        return outcome

    def _count(self, key: tuple[str, str], mode: str, items: list[str], step: int) -> None:
        counters = dict(self._counts.get((*key, mode)) or {})
        _add(counters, items, step)
        self._counts.put((*key, mode), counters)

    async def counts(self, event: str, poll_id: str) -> tuple[Poll | None, Counters]:
        key = (event, poll_id)
        return self._polls.get(key), {m: dict(self._counts.get((*key, m)) or {}) for m in MODES}

    async def voted(self, event: str, pairs: list[tuple[str, str]]) -> list[bool]:
        return [voter in self._voters.get((event, p), ()) for p, voter in pairs]

    async def records(self, event: str, poll_id: str) -> list[dict[str, Any]]:
        kept = self._records.get((event, poll_id), {})
        return [kept[voter] for voter in sorted(kept)]


def _add(counters: dict[str, int], items: list[str], step: int) -> None:
    for name in [VOTES, *items]:
        counters[name] = counters.get(name, 0) + step
        if counters[name] == 0:
            del counters[name]


# -- Redis ---------------------------------------------------------------------------------------
POLL = KeySpace("poll")


class Keys:
    """Every key of polls, in one key space: an event's keys (and so a poll's, which its
    scripts take together) share a slot."""

    @staticmethod
    def poll(event: str, poll_id: str) -> str:
        return POLL(event, poll_id)  # hash: state, doc

    @staticmethod
    def voters(event: str, poll_id: str) -> str:
        # A sorted set with every score 0 keeps members in byte order, never in the order
        # they voted: nothing in storage remembers when a voter voted.
        return POLL(event, poll_id, "voters")

    @staticmethod
    def records(event: str, poll_id: str) -> str:
        return POLL(event, poll_id, "ballots")

    @staticmethod
    def counters(event: str, poll_id: str, mode: str) -> str:
        return POLL(event, poll_id, "n", mode)

    @staticmethod
    def index(event: str, session: str) -> str:
        return POLL(event, "session", session)  # zset: poll id by created_at

    @classmethod
    def of_poll(cls, event: str, poll_id: str) -> list[str]:
        """The keys the vote script takes, in its order."""
        return [cls.poll(event, poll_id), cls.voters(event, poll_id),
                cls.records(event, poll_id),
                *(cls.counters(event, poll_id, mode) for mode in MODES)]


MOVE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'not_found' end
if state ~= ARGV[1] then return state end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'doc', ARGV[3])
if ARGV[4] == '1' then redis.call('DEL', KEYS[2]) end
return 'moved'
"""

# KEYS: poll, voters, ballots, counters in_room, counters remote
# ARGV: voter, mode, allow_change ('1'|'0'), record ('' keeps none), counter names...
VOTE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'not_found' end
if state ~= 'open' then return 'poll_closed' end
local counters = {in_room = KEYS[4], remote = KEYS[5]}
local function bump(key, name, step)
  if redis.call('HINCRBY', key, name, step) == 0 then redis.call('HDEL', key, name) end
end
local function add(key, items, first, step)
  bump(key, 'votes', step)
  for i = first, #items do bump(key, items[i], step) end
end
local outcome = 'ok'
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local old = redis.call('HGET', KEYS[3], ARGV[1])
  if ARGV[3] ~= '1' or not old then return 'already_voted' end
  old = cjson.decode(old)
  add(counters[old['mode']], old['items'], 1, -1)
  outcome = 'replaced'
else
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
end
add(counters[ARGV[2]], ARGV, 5, 1)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
return outcome
"""


class RedisPollStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._move = client.register_script(MOVE)
        self._vote = client.register_script(VOTE)

    async def create(self, event: str, poll: Poll) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.hset(Keys.poll(event, poll.id), mapping={"state": poll.state, "doc": encode(poll)})
        pipe.zadd(Keys.index(event, poll.session), {poll.id: poll.created_at})
        await pipe.execute()

    async def get(self, event: str, poll_id: str) -> Poll | None:
        state, doc = await self._client.hmget(Keys.poll(event, poll_id), ["state", "doc"])
        return _poll(state, doc)  # type: ignore[arg-type]

    async def of_session(self, event: str, session: str) -> list[Poll]:
        ids = await self._client.zrange(Keys.index(event, session), 0, -1)
        pipe = self._client.pipeline(transaction=False)
        for poll_id in ids:
            pipe.hmget(Keys.poll(event, text(poll_id)), ["state", "doc"])  # type: ignore[arg-type]
        found = [_poll(state, doc) for state, doc in await pipe.execute()]
        return [p for p in found if p is not None]

    async def move(self, event: str, poll: Poll, was: State, drop_ballots: bool) -> Moved:
        keys = [Keys.poll(event, poll.id), Keys.records(event, poll.id)]
        args = [was, poll.state, encode(poll), "1" if drop_ballots else "0"]
        return (await self._move(keys, args)).decode()

    async def delete(self, event: str, poll: Poll) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.delete(*Keys.of_poll(event, poll.id))
        pipe.zrem(Keys.index(event, poll.session), poll.id)
        await pipe.execute()

    async def vote(self, event: str, poll_id: str, ballot: Ballot,
                   allow_change: bool) -> Outcome:
        record = encode(ballot.record) if ballot.record is not None else b""
        args = [ballot.voter, ballot.mode, "1" if allow_change else "0", record, *ballot.items]
        # A ballot is acknowledged once a replica has it (when there are replicas).
        outcome = await acknowledged(self._client, self._vote, Keys.of_poll(event, poll_id), args)
        return outcome.decode()

    async def counts(self, event: str, poll_id: str) -> tuple[Poll | None, Counters]:
        pipe = self._client.pipeline(transaction=True)  # one consistent read
        pipe.hmget(Keys.poll(event, poll_id), ["state", "doc"])
        for mode in MODES:
            pipe.hgetall(Keys.counters(event, poll_id, mode))
        (state, doc), *maps = await pipe.execute()
        counters = {str(mode): {k.decode(): int(v) for k, v in raw.items()}
                    for mode, raw in zip(MODES, maps, strict=True)}
        return _poll(state, doc), counters

    async def voted(self, event: str, pairs: list[tuple[str, str]]) -> list[bool]:
        pipe = self._client.pipeline(transaction=False)
        for poll_id, voter in pairs:
            pipe.zscore(Keys.voters(event, poll_id), voter)
        return [score is not None for score in await pipe.execute()]

    async def records(self, event: str, poll_id: str) -> list[dict[str, Any]]:
        raw = await self._client.hgetall(Keys.records(event, poll_id))
        return [decode(raw[voter]) for voter in sorted(raw)]


def _poll(state: bytes | None, doc: bytes | None) -> Poll | None:
    if state is None or doc is None:
        return None
    poll = msgspec.json.decode(doc, type=Poll)
    poll.state = state.decode()  # type: ignore[assignment]
    return poll


STORE: StoreKind[PollStore] = StoreKind(EmbeddedPollStore, RedisPollStore)
