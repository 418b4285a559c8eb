"""Polls: the commands, the timers, the coalesced results, the snapshot and the report.

Rules (what a valid poll or vote is, tallies, who sees results) are in `rules`; storage and
the one-vote-per-user step in `store`. This file decides topics and order of events:

- `poll.state` goes to `session:<s>` once a poll is open or closed; drafts only to staff.
- `poll.results` goes to `session:<s>` when attendees may see it, else to
  `session:<s>:staff` (staff hear both topics, so each event is published once).
- A vote marks the poll in the coalescer; results are read fresh from the store at most
  once per interval per process. Closing flushes at once, and a flush that read an open
  poll re-checks afterwards, so the last `poll.results` after a close is always exact.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import msgspec

from ... import topics
from ...agenda import EventDef, SessionDef
from ...auth import User
from ...coalescer import Coalescer
from ...errors import Code, ProtocolError, conflict, forbidden, not_found
from ...feature import Command, Context, Feature, Limit
from ...messages import Role
from . import rules
from .rules import Counters, CreateData, Poll, PollRef, VoteData
from .store import Ballot, MemoryPollStore, PollStore, RedisPollStore

PollKey = tuple[str, str]  # (event id, poll id)

_REFUSED = {
    "not_found": lambda: not_found("This poll"),
    "poll_closed": lambda: ProtocolError(Code.poll_closed, "This poll is not open."),
    "already_voted": lambda: ProtocolError(Code.already_voted,
                                           "You have already voted in this poll."),
}


class PollsFeature(Feature):
    name = "polls"

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        backend = services.backend
        self.store: PollStore = (RedisPollStore(backend.redis) if backend.name == "redis"
                                 else MemoryPollStore())
        self._results: Coalescer[PollKey] = Coalescer(services.settings.coalesce_interval_s,
                                                      self._flush)
        # Polls seen open or closed: their options and settings are frozen, so a vote
        # needs no read of the poll (the vote script still checks the state itself).
        self._frozen: dict[PollKey, Poll] = {}

    def commands(self) -> list[Command]:
        vote_limit = Limit("poll.vote", self.services.settings.vote_limit_per_min, 60)
        return [
            Command("poll.create", CreateData, self.create, role=Role.moderator),
            Command("poll.open", PollRef, self.open, role=Role.moderator),
            Command("poll.close", PollRef, self.close, role=Role.moderator),
            Command("poll.delete", PollRef, self.delete, role=Role.moderator),
            Command("poll.vote", VoteData, self.vote, limit=vote_limit),
        ]

    # -- moderators ---------------------------------------------------------------------------
    async def create(self, ctx: Context, data: CreateData) -> dict[str, Any]:
        await self.services.events.session(ctx.event_id, data.session)
        poll = rules.new_poll(data, "p-" + secrets.token_urlsafe(9), _now_ms())
        await self.store.create(ctx.event_id, poll)
        await self._publish_state(ctx.event_id, poll)
        return {"poll": _wire(poll)}

    async def open(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        if poll.state == "closed":
            raise conflict("This poll is closed: a closed poll does not open again.")
        if poll.state == "draft":
            poll = await self._open(ctx.event_id, poll)
        return {"poll": _wire(poll)}

    async def _open(self, event: str, poll: Poll) -> Poll:
        closes_at = _now_ms() + poll.duration_s * 1000 if poll.duration_s else None
        opened = msgspec.structs.replace(poll, state="open", closes_at=closes_at)
        moved = await self.store.move(event, opened, "draft", drop_ballots=False)
        if moved != "moved":
            return await self._require(event, poll.id)  # opened or closed meanwhile
        if closes_at is not None:
            await self.services.backend.scheduler.schedule(
                _job(event, poll.id), closes_at / 1000, {"event": event, "poll": poll.id})
        await self._publish_state(event, opened)
        await self._results.flush_now((event, poll.id))
        return opened

    async def close(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        if poll.state == "draft":
            raise conflict("This poll is a draft: open it before closing it.")
        poll = await self._close(ctx.event_id, poll)
        _, counters = await self.store.counts(ctx.event_id, poll.id)
        return {"poll": _wire(poll), "results": rules.results(poll, counters)}

    async def _close(self, event: str, poll: Poll) -> Poll:
        """Close an open poll (idempotent: a closed one is returned as it is)."""
        closed = msgspec.structs.replace(poll, state="closed")
        moved = await self.store.move(event, closed, "open", drop_ballots=poll.anonymous)
        if moved != "moved":
            return await self._require(event, poll.id)
        self._frozen[(event, poll.id)] = closed
        await self.services.backend.scheduler.cancel(_job(event, poll.id))
        await self._publish_state(event, closed)
        await self._results.flush_now((event, poll.id))
        return closed

    async def delete(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        await self.store.delete(ctx.event_id, poll)
        self._frozen.pop((ctx.event_id, poll.id), None)
        await self.services.backend.scheduler.cancel(_job(ctx.event_id, poll.id))
        topic = topics.session(poll.session) if rules.state_public(poll) \
            else topics.staff(poll.session)
        await ctx.publish(topic, "poll.removed", {"poll": poll.id})
        return {}

    async def _on_timer(self, job: str, payload: dict[str, Any]) -> None:
        """The poll's time is up; any process may run this, whoever opened the poll."""
        event, poll_id = str(payload["event"]), str(payload["poll"])
        poll = await self.store.get(event, poll_id)
        if poll is not None and poll.state == "open":
            await self._close(event, poll)

    # -- attendees ----------------------------------------------------------------------------
    async def vote(self, ctx: Context, data: VoteData) -> dict[str, Any]:
        poll = await self._voting_on(ctx, data.poll)
        items = rules.ballot(poll, data)  # bad_request before anything is written
        outcome = await self.store.vote(ctx.event_id, poll.id, self._ballot(ctx, poll, data, items),
                                        poll.allow_change)
        if outcome in _REFUSED:
            raise _REFUSED[outcome]()
        self._results.mark((ctx.event_id, poll.id))
        return {"poll": poll.id, "replaced": outcome == "replaced"}

    async def _voting_on(self, ctx: Context, poll_id: str) -> Poll:
        key = (ctx.event_id, poll_id)
        poll = self._frozen.get(key) or await self._require(ctx.event_id, poll_id)
        if poll.state != "draft":
            self._frozen.setdefault(key, poll)
        if ctx.conn.session != poll.session:
            raise forbidden(f"Join session `{poll.session}` to vote in its polls.")
        if poll.state != "open":
            raise _REFUSED["poll_closed"]()
        return poll

    def _ballot(self, ctx: Context, poll: Poll, data: VoteData, items: list[str]) -> Ballot:
        mode, record = ctx.conn.mode, None
        if not poll.anonymous:
            vote = msgspec.structs.asdict(data)
            vote = {k: v for k, v in vote.items() if v is not None and k != "poll"}
            record = {"user": ctx.user.id, "name": ctx.user.name, "mode": mode,
                      "items": items, "vote": vote}
        elif poll.allow_change:
            record = {"mode": mode, "items": items}  # dropped when the poll closes
        return Ballot(self._voter(ctx.user, poll), mode, items, record)

    def _voter(self, user: User, poll: Poll) -> str:
        """Who voted, as stored: the user id in a named poll; in an anonymous poll a keyed
        hash, so the voter set holds no user id at all (only the server's secret maps a
        user to their tag, to answer "have I voted?")."""
        if not poll.anonymous:
            return user.id
        message = f"poll-voter|{user.event}|{poll.id}|{user.id}".encode()
        key = self.services.settings.secret.encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

    # -- results ------------------------------------------------------------------------------
    async def _flush(self, keys: set[PollKey]) -> None:
        for event, poll_id in keys:
            await self._publish_results(event, poll_id)

    async def _publish_results(self, event: str, poll_id: str, recheck: bool = True) -> None:
        poll, counters = await self.store.counts(event, poll_id)
        if poll is None:
            return
        data = rules.results(poll, counters)
        public = rules.results_public(poll, data["votes"])
        topic = topics.session(poll.session) if public else topics.staff(poll.session)
        await self.services.publish(event, topic, "poll.results", data)
        if recheck and poll.state == "open":
            # Read while open, published maybe after another process's final event: if the
            # poll closed meanwhile, publish the exact final result again, last.
            now = await self.store.get(event, poll_id)
            if now is not None and now.state == "closed":
                await self._publish_results(event, poll_id, recheck=False)

    async def _publish_state(self, event: str, poll: Poll) -> None:
        topic = topics.session(poll.session) if rules.state_public(poll) \
            else topics.staff(poll.session)
        await self.services.publish(event, topic, "poll.state", {"poll": _wire(poll)})

    # -- snapshot and report ------------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        staff = ctx.user.is_staff

        # The list is shared by every joiner of this version; the counts are read for each,
        # since votes are published coalesced, after the version moved.
        listed = await self.services.snapshots.shared(
            "polls", lambda: self.store.of_session(ctx.event_id, session.id))
        counted = [(poll, counters) for poll, counters in
                   [await self.store.counts(ctx.event_id, p.id) for p in listed
                    if staff or rules.state_public(p)]
                   if poll is not None and (staff or rules.state_public(poll))]
        mine = await self.store.voted(ctx.event_id, [(poll.id, self._voter(ctx.user, poll))
                                                     for poll, _ in counted])
        return {"polls": [self._seen(poll, counters, staff, voted)
                          for (poll, counters), voted in zip(counted, mine, strict=True)]}

    def _seen(self, poll: Poll, counters: Counters, staff: bool,
              voted: bool) -> dict[str, Any]:
        wire = _wire(poll)
        wire["my_vote"] = voted
        outcome = rules.results(poll, counters)
        if staff or rules.results_public(poll, outcome["votes"]):
            wire["outcome"] = outcome
        return wire

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        polls, rows, ballots = [], [], []
        for listed in await self.store.of_session(event.id, session.id):
            poll, counters = await self.store.counts(event.id, listed.id)
            if poll is None:
                continue
            entry = {**_wire(poll), "outcome": rules.results(poll, counters)}
            if not poll.anonymous:
                entry["ballots"] = [_public_record(r)
                                    for r in await self.store.records(event.id, poll.id)]
                ballots += [{"poll": poll.title, **_ballot_row(r)} for r in entry["ballots"]]
            polls.append(entry)
            rows += rules.csv_rows(poll, counters)
        return {"polls": polls, "csv": {"polls": rows, "poll ballots": ballots}}

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self.services.backend.scheduler.handle("poll", self._on_timer)

    async def stop(self) -> None:
        await self._results.stop()

    async def _require(self, event: str, poll_id: str) -> Poll:
        poll = await self.store.get(event, poll_id)
        if poll is None:
            raise not_found(f"Poll `{poll_id}`")
        return poll


def _wire(poll: Poll) -> dict[str, Any]:
    wire: dict[str, Any] = msgspec.to_builtins(poll)
    return wire


def _job(event: str, poll_id: str) -> str:
    return f"poll:{event}:{poll_id}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _public_record(record: dict[str, Any]) -> dict[str, Any]:
    return {"user": record["user"], "name": record["name"], "mode": record["mode"],
            "vote": record["vote"]}


def _ballot_row(record: dict[str, Any]) -> dict[str, Any]:
    vote = record["vote"]
    answer = vote.get("choices", vote.get("rating", vote.get("text")))
    return {"name": record["name"], "mode": record["mode"], "answer": answer}
