"""Where questions and votes live: in this process (embedded backend) or in Redis.

Both stores keep the same rules: a question is replaced or removed only if nobody changed it
since it was read (its `rev`), and a vote is counted at most once per user, only while the
question takes votes; in Redis each of those is one Lua script, so no interleaving of server
processes can break them. Every Redis key of the feature is spelled in `Keys`, here, in
the feature's one key space.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

import msgspec
import redis.asyncio as aioredis

from ...backends.base import StoreKind
from ...backends.keys import KeySpace
from ...backends.replication import acknowledged
from ...backends.replies import text
from ...backends.tables import Tables
from .rules import VOTABLE, Question

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Question)


def _encode(q: Question) -> bytes:
    return _encoder.encode(msgspec.structs.replace(q, votes=0))


class QAStore(Protocol):
    async def add(self, event: str, q: Question) -> bool:
        """Store a new question; False if its id is taken."""

    async def get(self, event: str, qid: str) -> Question | None:
        """The question with its vote count, or None."""

    async def list(self, event: str, session: str) -> list[Question]:
        """Every question of the session (any status), with vote counts, in no order."""

    async def replace(self, event: str, old: Question, new: Question) -> bool:
        """Store `new` if the stored question still has `old.rev`; False otherwise."""

    async def remove(self, event: str, old: Question) -> bool:
        """Delete the question and its votes if it still has `old.rev`; False otherwise."""

    async def vote(self, event: str, qid: str, user: str, up: bool) -> int | None:
        """Add (up) or take back the user's one vote; the new count. None, and no change, if
        the question is gone or does not take votes at that moment."""

    async def counts(self, event: str, qids: Iterable[str]) -> dict[str, int]:
        """Vote counts of the questions that still exist."""

    async def my_votes(self, event: str, user: str) -> set[str]:
        """Ids of the questions the user voted for (may name withdrawn ones)."""


class EmbeddedQAStore:
    """The embedded backend's store: all on the event loop, so each method is atomic. Rows:
    questions (without votes) and one row per (question, voter); the rest is derived."""

    def __init__(self, tables: Tables | None = None) -> None:
        self._tables = tables or Tables()
        self._questions = self._tables.table("qa.questions", Question)  # (event, qid)
        self._votes = self._tables.table("qa.votes", bool)  # (event, qid, user)
        self._sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._voters: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._mine: dict[tuple[str, str], set[str]] = defaultdict(set)
        for (event, qid), q in self._questions.items():
            self._sessions[event, q.session].add(qid)
        for (event, qid, user), _ in self._votes.items():
            self._voters[event, qid].add(user)
            self._mine[event, user].add(qid)

    async def add(self, event: str, q: Question) -> bool:
        if (event, q.id) in self._questions:
            return False
        self._questions.put((event, q.id), msgspec.structs.replace(q, votes=0))
        self._sessions[event, q.session].add(q.id)
        await self._tables.durable()
        return True

    async def get(self, event: str, qid: str) -> Question | None:
        q = self._questions.get((event, qid))
        if q is None:
            return None
        return msgspec.structs.replace(q, votes=len(self._voters.get((event, qid), ())))

    async def list(self, event: str, session: str) -> list[Question]:
        found = [await self.get(event, qid) for qid in self._sessions.get((event, session), ())]
        return [q for q in found if q is not None]

    async def replace(self, event: str, old: Question, new: Question) -> bool:
        current = self._questions.get((event, old.id))
        if current is None or current.rev != old.rev:
            return False
        self._questions.put((event, old.id), msgspec.structs.replace(new, votes=0))
        await self._tables.durable()
        return True

    async def remove(self, event: str, old: Question) -> bool:
        current = self._questions.get((event, old.id))
        if current is None or current.rev != old.rev:
            return False
        self._questions.pop((event, old.id))
        self._sessions[event, old.session].discard(old.id)
        for user in self._voters.pop((event, old.id), set()):
            self._votes.pop((event, old.id, user))
        await self._tables.durable()
        return True

    async def vote(self, event: str, qid: str, user: str, up: bool) -> int | None:
        q = self._questions.get((event, qid))
        if q is None or q.status not in VOTABLE:
            return None
        voters, mine = self._voters[event, qid], self._mine[event, user]
        if up:
            voters.add(user)
            mine.add(qid)
            self._votes.put((event, qid, user), True)
        else:
            voters.discard(user)
            mine.discard(qid)
            self._votes.pop((event, qid, user))
        await self._tables.durable()
        return len(voters)

    async def counts(self, event: str, qids: Iterable[str]) -> dict[str, int]:
        return {qid: len(self._voters.get((event, qid), ())) for qid in qids
                if (event, qid) in self._questions}

    async def my_votes(self, event: str, user: str) -> set[str]:
        return set(self._mine.get((event, user), ()))


QA = KeySpace("qa")


class Keys:
    """Every Redis key of Q&A, in one key space: one event's keys share a slot."""

    @staticmethod
    def questions(event: str) -> str:  # hash: question id -> the question (JSON, no votes)
        return QA(event, "questions")

    @staticmethod
    def session(event: str, session: str) -> str:  # set: the session's question ids
        return QA(event, "session", session)

    @staticmethod
    def counts(event: str) -> str:  # hash: question id -> votes
        return QA(event, "votes")

    @staticmethod
    def voters(event: str, qid: str) -> str:  # set: who voted for the question
        return QA(event, "voters", qid)

    @staticmethod
    def mine(event: str, user: str) -> str:  # set: what the user voted for
        return QA(event, "mine", user)


# KEYS: questions, session, counts. ARGV: id, JSON. A count exists exactly while its question does.
ADD = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], 0)
return 1
"""

# KEYS: questions. ARGV: id, expected rev, new JSON. 1 done, 0 changed meanwhile, -1 gone.
REPLACE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return -1 end
if cjson.decode(current).rev ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

# KEYS: questions, session, counts, voters. ARGV: id, expected rev.
REMOVE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return -1 end
if cjson.decode(current).rev ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
"""

# KEYS: questions, voters, mine, counts. ARGV: id, user, "1" up | "0" down, ",votable,".
VOTE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return -1 end
local status = cjson.decode(current).status
if not string.find(ARGV[4], ',' .. status .. ',', 1, true) then return -2 end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[1])
end
local n = redis.call('SCARD', KEYS[2])
redis.call('HSET', KEYS[4], ARGV[1], n)
return n
"""

_VOTABLE_ARG = "," + ",".join(sorted(VOTABLE)) + ","


class RedisQAStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._add = client.register_script(ADD)
        self._replace = client.register_script(REPLACE)
        self._remove = client.register_script(REMOVE)
        self._vote = client.register_script(VOTE)

    async def add(self, event: str, q: Question) -> bool:
        keys = [Keys.questions(event), Keys.session(event, q.session), Keys.counts(event)]
        return int(await acknowledged(self._client, self._add, keys, [q.id, _encode(q)])) == 1

    async def get(self, event: str, qid: str) -> Question | None:
        pipe = self._client.pipeline(transaction=False)
        pipe.hget(Keys.questions(event), qid)
        pipe.hget(Keys.counts(event), qid)
        raw, votes = await pipe.execute()
        if raw is None:
            return None
        return msgspec.structs.replace(_decoder.decode(raw), votes=int(votes or 0))

    async def list(self, event: str, session: str) -> list[Question]:
        qids = sorted(text(q) for q in await self._client.smembers(Keys.session(event, session)))
        if not qids:
            return []
        pipe = self._client.pipeline(transaction=False)
        pipe.hmget(Keys.questions(event), qids)
        pipe.hmget(Keys.counts(event), qids)
        raws, votes = await pipe.execute()
        return [msgspec.structs.replace(_decoder.decode(raw), votes=int(n or 0))
                for raw, n in zip(raws, votes, strict=True) if raw is not None]

    async def replace(self, event: str, old: Question, new: Question) -> bool:
        done = await self._replace([Keys.questions(event)], [old.id, old.rev, _encode(new)])
        return int(done) == 1

    async def remove(self, event: str, old: Question) -> bool:
        keys = [Keys.questions(event), Keys.session(event, old.session), Keys.counts(event),
                Keys.voters(event, old.id)]
        return int(await self._remove(keys, [old.id, old.rev])) == 1

    async def vote(self, event: str, qid: str, user: str, up: bool) -> int | None:
        keys = [Keys.questions(event), Keys.voters(event, qid), Keys.mine(event, user),
                Keys.counts(event)]
        args = [qid, user, "1" if up else "0", _VOTABLE_ARG]
        n = int(await acknowledged(self._client, self._vote, keys, args))
        return n if n >= 0 else None

    async def counts(self, event: str, qids: Iterable[str]) -> dict[str, int]:
        qids = list(qids)
        if not qids:
            return {}
        votes = await self._client.hmget(Keys.counts(event), qids)
        return {qid: int(n) for qid, n in zip(qids, votes, strict=True) if n is not None}

    async def my_votes(self, event: str, user: str) -> set[str]:
        return {text(qid) for qid in await self._client.smembers(Keys.mine(event, user))}


STORE: StoreKind[QAStore] = StoreKind(EmbeddedQAStore, RedisQAStore)
