"""Live Q&A: the `qa.*` commands, the questions part of the snapshot, and the report.

Handlers load, let `rules` decide (raising before any write), store with a revision check,
then publish to the topics `rules.notices` names. Votes are exact in the reply and coalesced
in the `qa.votes` events.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import msgspec

from ... import topics
from ...coalescer import Coalescer
from ...errors import bad_request, conflict, forbidden, not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Ident, Role, Slug, clean_text
from . import rules
from .rules import Action, Audience, Question, Status
from .store import STORE, QAStore

if TYPE_CHECKING:
    from ...agenda import EventDef, SessionDef

TEXT_MAX = 500
ANSWER_MAX = 2000
RETRIES = 8  # compare-and-set attempts when moderators act on one question at once


class Ask(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    text: Annotated[str, msgspec.Meta(max_length=4 * TEXT_MAX)]  # then trimmed: 1 to 500
    anonymous: bool = False


class Vote(msgspec.Struct, forbid_unknown_fields=True):
    question: Ident
    up: bool


class Moderate(msgspec.Struct, forbid_unknown_fields=True):
    question: Ident
    action: Action
    answer: Annotated[str, msgspec.Meta(max_length=4 * ANSWER_MAX)] | None = None


class Withdraw(msgspec.Struct, forbid_unknown_fields=True):
    question: Ident


VoteMark = tuple[str, str, str]  # (event, session, question)


class QAFeature(Feature):
    name = "qa"
    snapshot_keys: ClassVar = {"questions": [], "my_votes": {}}
    events = ("qa.question", "qa.removed", "qa.votes")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: QAStore = host.open_store(STORE)
        self._votes: Coalescer[VoteMark] = Coalescer(host.settings.coalesce_interval_s,
                                                      self._flush_votes, host.clock)

    def commands(self) -> list[Command]:
        settings = self.host.settings
        return [
            Command("qa.ask", Ask, self.ask, limit=Limit("ask", settings.ask_limit_per_min, 60),
                    session=lambda d: d.session),
            Command("qa.vote", Vote, self.vote,
                    limit=Limit("vote", settings.vote_limit_per_min, 60)),
            Command("qa.moderate", Moderate, self.moderate, role=Role.speaker),
            Command("qa.withdraw", Withdraw, self.withdraw),
        ]

    # -- commands ---------------------------------------------------------------------------
    async def ask(self, ctx: Context, data: Ask) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        text = clean_text(data.text, "text", high=TEXT_MAX)
        moderated = await self._moderated(ctx.event_id, session)
        q = rules.new_question(
            "q-" + secrets.token_urlsafe(9), session.id, text, author_id=ctx.user.id,
            author_name=ctx.user.name, anonymous=data.anonymous, mode=ctx.conn.mode,
            moderated=moderated, now_ms=int(self.host.clock.time() * 1000))
        while not await self.store.add(ctx.event_id, q):  # an id taken: astronomically rare
            q = msgspec.structs.replace(q, id="q-" + secrets.token_urlsafe(9))
        await self._announce(ctx.event_id, None, q.status, q)
        return {"question": rules.public(q, mine=True)}

    async def vote(self, ctx: Context, data: Vote) -> dict[str, int]:
        found = await self.store.get(ctx.event_id, data.question)
        q = rules.check_vote(found, ctx.user.id, ctx.user.is_staff)
        votes = await self.store.vote(ctx.event_id, q.id, ctx.user.id, data.up)
        if votes is None:  # moderated or withdrawn since we read it
            raise conflict("This question no longer takes votes.")
        self._votes.mark((ctx.event_id, q.session, q.id))
        return {"votes": votes}

    async def moderate(self, ctx: Context, data: Moderate) -> dict[str, Any]:
        if data.answer is not None and data.action != "answer":
            raise bad_request("data.answer: only goes with the action `answer`.")
        answer = None if data.answer is None else clean_text(data.answer, "answer",
                                                               high=ANSWER_MAX)
        for _ in range(RETRIES):
            q = await self._require(ctx.event_id, data.question)
            session = await self.host.events.session(ctx.event_id, q.session)
            changed = rules.moderate(q, data.action, answer=answer,
                                     moderated=await self._moderated(ctx.event_id, session))
            if changed is None:  # already so: nothing to store or tell
                return {"question": rules.public(q, mine=q.author_id == ctx.user.id)}
            if await self.store.replace(ctx.event_id, q, changed):
                await self._announce(ctx.event_id, q.status, changed.status, changed)
                return {"question": rules.public(changed, mine=q.author_id == ctx.user.id)}
        raise conflict("Others keep changing this question: try again.")

    async def withdraw(self, ctx: Context, data: Withdraw) -> dict[str, str]:
        for _ in range(RETRIES):
            q = await self.store.get(ctx.event_id, data.question)
            if q is None or not rules.can_see(q, ctx.user.id, ctx.user.is_staff):
                raise not_found("Question")
            if not rules.may_withdraw(q, ctx.user.id, ctx.user.can(Role.moderator)):
                raise forbidden("Only its author or a moderator can withdraw a question.")
            if await self.store.remove(ctx.event_id, q):
                await self._announce(ctx.event_id, q.status, None, q)
                return {"question": q.id}
        raise conflict("Others keep changing this question: try again.")

    # -- snapshot and report ----------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        # The questions are shared by every joiner of this version; their vote counts are read
        # for each, since votes are published coalesced, after the version moved.
        shared = await self.host.snapshots.shared(
            "qa", lambda: self.store.list(ctx.event_id, session.id))
        votes = await self.store.counts(ctx.event_id, [q.id for q in shared]) if shared else {}
        questions = [q if q.votes == votes.get(q.id, q.votes) else
                     msgspec.structs.replace(q, votes=votes[q.id]) for q in shared]
        listed = rules.view(questions, ctx.user.id, ctx.user.is_staff)
        ids = {q.id for q in listed}
        mine = await self.store.my_votes(ctx.event_id, ctx.user.id)
        return {"questions": listed, "my_votes": {qid: True for qid in sorted(mine & ids)}}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        questions = sorted(await self.store.list(event.id, session.id), key=rules.sort_key)
        by_mode = {mode: sum(q.mode == mode for q in questions) for mode in ("in_room", "remote")}
        return {"questions": msgspec.to_builtins([rules.public(q) for q in questions]),
                "questions_by_mode": by_mode,
                "csv": {"questions": [rules.report_row(q) for q in questions]}}

    async def stop(self) -> None:
        await self._votes.stop()

    # -- helpers ----------------------------------------------------------------------------
    async def _require(self, event_id: str, qid: str) -> Question:
        q = await self.store.get(event_id, qid)
        if q is None:
            raise not_found("Question")
        return q

    async def _moderated(self, event_id: str, session: SessionDef) -> bool:
        return (await self.host.events.state(event_id, session))["qa_moderated"]

    async def _announce(self, event_id: str, before: Status | None, after: Status | None,
                        q: Question) -> None:
        """Publish the change to the topics that may know of it (never `mine`: shared)."""
        for audience, kind in rules.notices(before, after):
            data = {"question": rules.public(q)} if kind == "qa.question" else {"question": q.id}
            await self.host.publish(event_id, _topic(audience, q), kind, data)

    async def _flush_votes(self, marked: set[VoteMark]) -> None:
        """One `qa.votes` per session with the fresh count of each question voted on."""
        by_session: dict[tuple[str, str], list[str]] = defaultdict(list)
        for event_id, session_id, qid in marked:
            by_session[event_id, session_id].append(qid)
        for (event_id, session_id), qids in by_session.items():
            counts = await self.store.counts(event_id, qids)
            if counts:
                await self.host.publish(event_id, topics.session(session_id), "qa.votes",
                                            {"votes": counts})
            # Another process may have published an older count after ours: check again.
            for qid, n in (await self.store.counts(event_id, qids)).items():
                if counts.get(qid) != n:
                    self._votes.mark((event_id, session_id, qid))


def _topic(audience: Audience, q: Question) -> str:
    if audience is Audience.session:
        return topics.session(q.session)
    if audience is Audience.staff:
        return topics.staff(q.session)
    return topics.user(q.author_id)
