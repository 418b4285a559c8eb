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
from typing import Any, ClassVar

import msgspec

from ... import topics
from ...agenda import EventDef, SessionDef
from ...auth import User
from ...coalescer import Coalescer
from ...errors import Code, ProtocolError, conflict, not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Role
from . import rules
from .rules import CreateData, Poll, PollRef, VisibilityData, VoteData
from .store import STORE, Ballot, PollStore

PollKey = tuple[str, str]  # (event id, poll id)

_REFUSED = {
    "not_found": lambda: not_found("This poll"),
    "poll_closed": rules.poll_closed,
    "already_voted": lambda: ProtocolError(Code.already_voted,
                                           "You have already voted in this poll."),
}


class PollsFeature(Feature):
    name = "polls"
    snapshot_keys: ClassVar = {"polls": []}
    events = ("poll.state", "poll.results", "poll.raw_results", "poll.removed")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: PollStore = host.open_store(STORE)
        self._results: Coalescer[PollKey] = Coalescer(host.settings.coalesce_interval_s,
                                                      self._flush, host.clock)
        # Polls seen open or closed: their options and settings are frozen, so a vote
        # needs no read of the poll (the vote script still checks the state itself).
        self._frozen: dict[PollKey, Poll] = {}

    def commands(self) -> list[Command]:
        vote_limit = Limit("poll.vote", self.host.settings.vote_limit_per_min, 60)
        return [
            Command("poll.create", CreateData, self.create, role=Role.moderator),
            Command("poll.open", PollRef, self.open, role=Role.moderator),
            Command("poll.close", PollRef, self.close, role=Role.moderator),
            Command("poll.delete", PollRef, self.delete, role=Role.moderator),
            Command("poll.vote", VoteData, self.vote, limit=vote_limit),
            Command("poll.reopen", PollRef, self.reopen, role=Role.moderator),
            Command("poll.visibility", VisibilityData, self.visibility, role=Role.moderator),
        ]

    # -- moderators ---------------------------------------------------------------------------
    async def create(self, ctx: Context, data: CreateData) -> dict[str, Any]:
        await self.host.events.session(ctx.event_id, data.session)
        poll = rules.new_poll(data, "p-" + secrets.token_urlsafe(9), self._now_ms())
        await self.store.create(ctx.event_id, poll)
        await self._publish_state(ctx.event_id, poll)
        return {"poll": _wire(poll)}

    async def open(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        opened = rules.opened(poll, self._now_ms())
        if opened is not None:
            poll = await self._open(ctx.event_id, opened)
        return {"poll": _wire(poll)}

    async def _open(self, event: str, opened: Poll) -> Poll:
        moved = await self.store.move(event, opened, "draft", drop_ballots=False)
        if moved != "moved":
            return await self._require(event, opened.id)  # opened or closed meanwhile
        if opened.closes_at is not None:
            await self.host.scheduler.schedule(
                _job(event, opened.id), opened.closes_at / 1000,
                {"event": event, "poll": opened.id})
        await self._publish_state(event, opened)
        await self._results.flush_now((event, opened.id))
        return opened

    async def close(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        closed = rules.closed(poll)
        if closed is not None:
            poll = await self._close(ctx.event_id, closed)
        _, counters = await self.store.counts(ctx.event_id, poll.id)
        return {"poll": _wire(poll), **_outcomes(poll, counters, "results")}

    async def _close(self, event: str, closed: Poll) -> Poll:
        """Store the close of an open poll, then tell; if it closed meanwhile, what it is."""
        moved = await self.store.move(event, closed, "open", drop_ballots=closed.anonymous)
        if moved != "moved":
            return await self._require(event, closed.id)
        self._frozen[(event, closed.id)] = closed
        await self.host.scheduler.cancel(_job(event, closed.id))
        await self._publish_state(event, closed)
        await self._results.flush_now((event, closed.id))
        return closed

    async def reopen(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        """A closed poll opens again with its votes; an open one is returned unchanged."""
        poll = await self._require(ctx.event_id, data.poll)
        again = rules.reopened(poll, self._now_ms())
        if again is not None:
            poll = await self._change(ctx.event_id, poll, again)
        return {"poll": _wire(poll)}

    async def visibility(self, ctx: Context, data: VisibilityData) -> dict[str, Any]:
        """Reveal or hide results on demand, in any state: attendees follow at once."""
        poll = await self._require(ctx.event_id, data.poll)
        if poll.results != data.results:
            changed = msgspec.structs.replace(poll, results=data.results)
            poll = await self._change(ctx.event_id, poll, changed)
        return {"poll": _wire(poll)}

    async def _change(self, event: str, poll: Poll, new: Poll) -> Poll:
        """Store `new` if `poll` is still as read, then tell everyone (state, results)."""
        moved = await self.store.move(event, new, poll.state, drop_ballots=False)
        if moved != "moved":
            raise conflict("This poll changed meanwhile: try again.")
        self._frozen.pop((event, poll.id), None)
        if new.state == "open" and new.closes_at is not None:
            await self.host.scheduler.schedule(
                _job(event, poll.id), new.closes_at / 1000, {"event": event, "poll": poll.id})
        await self._publish_state(event, new)
        await self._results.flush_now((event, poll.id))
        return new

    async def delete(self, ctx: Context, data: PollRef) -> dict[str, Any]:
        poll = await self._require(ctx.event_id, data.poll)
        await self.store.delete(ctx.event_id, poll)
        self._frozen.pop((ctx.event_id, poll.id), None)
        await self.host.scheduler.cancel(_job(ctx.event_id, poll.id))
        await ctx.publish(_state_topic(poll), "poll.removed", {"poll": poll.id})
        return {}

    async def _on_timer(self, job: str, payload: dict[str, Any]) -> None:
        """The poll's time is up; any process may run this, whoever opened the poll."""
        event, poll_id = str(payload["event"]), str(payload["poll"])
        closed = rules.timed_out(await self.store.get(event, poll_id))
        if closed is not None:
            await self._close(event, closed)

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
        await ctx.require_joined(poll.session)
        rules.check_open(poll)
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
        key = self.host.settings.secret.encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

    # -- results ------------------------------------------------------------------------------
    async def _flush(self, keys: set[PollKey]) -> None:
        for event, poll_id in keys:
            await self._publish_results(event, poll_id)

    async def _publish_results(self, event: str, poll_id: str, recheck: bool = True) -> None:
        poll, counters = await self.store.counts(event, poll_id)
        if poll is None:
            return
        public = rules.results_public(poll, rules.votes(counters))
        topic = topics.session(poll.session) if public else topics.staff(poll.session)
        await self.host.publish(event, topic, "poll.results", rules.shown(poll, counters))
        exact = rules.unsuppressed(poll, counters)
        if exact is not None:  # staff only, where the poll's creator chose so
            await self.host.publish(event, topics.staff(poll.session), "poll.raw_results",
                                    exact)
        if recheck and poll.state == "open":
            # Read while open, published maybe after another process's final event: if the
            # poll closed meanwhile, publish the exact final result again, last.
            now = await self.store.get(event, poll_id)
            if now is not None and now.state == "closed":
                await self._publish_results(event, poll_id, recheck=False)

    async def _publish_state(self, event: str, poll: Poll) -> None:
        await self.host.publish(event, _state_topic(poll), "poll.state", {"poll": _wire(poll)})

    # -- snapshot and report ------------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        staff = ctx.user.is_staff
        # The list is shared by every joiner of this version; the counts are read for each,
        # since votes are published coalesced, after the version moved.
        listed = await self.host.snapshots.shared(
            "polls", lambda: self.store.of_session(ctx.event_id, session.id))
        counted = [(poll, counters) for poll, counters in
                   [await self.store.counts(ctx.event_id, p.id) for p in listed
                    if staff or rules.state_public(p)]
                   if poll is not None and (staff or rules.state_public(poll))]
        mine = await self.store.voted(ctx.event_id, [(poll.id, self._voter(ctx.user, poll))
                                                     for poll, _ in counted])
        return {"polls": [rules.seen(poll, counters, voted=voted, staff=staff)
                          for (poll, counters), voted in zip(counted, mine, strict=True)]}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        polls, rows, ballots = [], [], []
        for listed in await self.store.of_session(event.id, session.id):
            poll, counters = await self.store.counts(event.id, listed.id)
            if poll is None:
                continue
            exact = poll.staff_below_threshold
            outcome = rules.results(poll, counters) if exact else rules.shown(poll, counters)
            entry = msgspec.to_builtins({**msgspec.structs.asdict(poll), "outcome": outcome})
            if not poll.anonymous:
                entry["ballots"] = [_public_record(r)
                                    for r in await self.store.records(event.id, poll.id)]
                ballots += [{"poll": poll.title, **_ballot_row(poll, r)}
                            for r in entry["ballots"]]
            polls.append(entry)
            rows += rules.csv_rows(poll, counters, exact=exact)
        return {"polls": polls, "csv": {"polls": rows, "poll ballots": ballots}}

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self.host.scheduler.handle("poll", self._on_timer)

    async def stop(self) -> None:
        await self._results.stop()

    def _now_ms(self) -> int:
        return int(self.host.clock.time() * 1000)

    async def _require(self, event: str, poll_id: str) -> Poll:
        poll = await self.store.get(event, poll_id)
        if poll is None:
            raise not_found(f"Poll `{poll_id}`")
        return poll


def _wire(poll: Poll) -> Poll:
    return poll  # the stored poll is its wire form (rules.Poll: the contract's fields)


def _job(event: str, poll_id: str) -> str:
    return f"poll:{event}:{poll_id}"


def _state_topic(poll: Poll) -> str:
    if rules.state_audience(poll) == "session":
        return topics.session(poll.session)
    return topics.staff(poll.session)


def _public_record(record: dict[str, Any]) -> dict[str, Any]:
    return {"user": record["user"], "name": record["name"], "mode": record["mode"],
            "vote": record["vote"]}


def _ballot_row(poll: Poll, record: dict[str, Any]) -> dict[str, Any]:
    return {"name": record["name"], "mode": record["mode"],
            "answer": rules.answer_text(poll, record["vote"])}


def _outcomes(poll: Poll, counters: Any, key: str, staff: bool = True) -> dict[str, Any]:
    """`{key: shown results}`, plus `raw_<key>` for staff where the poll allows exact ones."""
    out: dict[str, Any] = {key: rules.shown(poll, counters)}
    exact = rules.unsuppressed(poll, counters) if staff else None
    if exact is not None:
        out["raw_" + key] = exact
    return out
