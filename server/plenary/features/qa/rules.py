"""The rules of Q&A, with no I/O: the question, who sees it, its order, moderation, votes.

Everything here takes values and returns values (or raises `ProtocolError` before anything
changed), so the feature's handlers only load, decide here, then store and publish.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Literal

import msgspec

from ...errors import conflict, not_found

Status = Literal["pending", "visible", "answered", "dismissed"]
Action = Literal["approve", "dismiss", "answer", "reopen", "pin", "unpin"]
PUBLIC: frozenset[str] = frozenset({"visible", "answered"})
VOTABLE: frozenset[str] = PUBLIC
# The order of the lists a client shows: live questions, then answered, then dismissed.
_GROUP = {"pending": 0, "visible": 0, "answered": 1, "dismissed": 2}


class Question(msgspec.Struct, forbid_unknown_fields=True):
    """A question as the store keeps it. `author_id` is kept even when anonymous: Plenary
    needs it for rate limits and withdrawal, but `public()` never sends it then."""

    id: str
    session: str
    text: str
    author_id: str
    author_name: str
    anonymous: bool
    mode: str
    status: Status
    created_at: int  # unix ms
    pinned: bool = False
    answer: str | None = None
    rev: int = 0  # bumped by each change, so concurrent moderators never overwrite each other
    votes: int = 0  # filled in by the store when read; not part of the record


class Person(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str


class QuestionView(msgspec.Struct, forbid_unknown_fields=True):
    """A question on the wire (`qa.question`, replies, snapshots, the report). `author` is
    None when anonymous; `mine` (an addition to the contract) only ever goes to the asker."""

    id: str
    session: str
    text: str
    author: Person | None
    votes: int
    status: Status
    pinned: bool
    answer: str | None
    created_at: int  # unix ms
    mode: str
    mine: bool | msgspec.UnsetType = msgspec.UNSET


def new_question(qid: str, session: str, text: str, *, author_id: str, author_name: str,
                 anonymous: bool, mode: str, moderated: bool, now_ms: int) -> Question:
    return Question(id=qid, session=session, text=text, author_id=author_id,
                    author_name=author_name, anonymous=anonymous, mode=mode,
                    status="pending" if moderated else "visible", created_at=now_ms)


# -- what each person sees -------------------------------------------------------------------
def public(q: Question, *, mine: bool = False) -> QuestionView:
    """The wire form; `mine` marks it as the asker's own."""
    return QuestionView(
        id=q.id, session=q.session, text=q.text,
        author=None if q.anonymous else Person(q.author_id, q.author_name),
        votes=q.votes, status=q.status, pinned=q.pinned, answer=q.answer,
        created_at=q.created_at, mode=q.mode, mine=True if mine else msgspec.UNSET)


def can_see(q: Question, user_id: str, staff: bool) -> bool:
    """Public questions: everyone. Pending: staff and the asker. Dismissed: staff only."""
    if q.status in PUBLIC or staff:
        return True
    return q.status == "pending" and q.author_id == user_id


def sort_key(q: Question) -> tuple[int, bool, int, int, str]:
    """Live before answered before dismissed; then pinned, most votes, oldest."""
    return (_GROUP[q.status], not q.pinned, -q.votes, q.created_at, q.id)


def view(questions: list[Question], user_id: str, staff: bool) -> list[QuestionView]:
    """What one person's snapshot lists, in order."""
    seen = sorted((q for q in questions if can_see(q, user_id, staff)), key=sort_key)
    return [public(q, mine=q.author_id == user_id) for q in seen]


def report_row(q: Question) -> dict[str, Any]:
    """One flat CSV row; the author's name only when the question was not anonymous."""
    when = datetime.datetime.fromtimestamp(q.created_at / 1000, datetime.UTC)
    return {"id": q.id, "text": q.text, "status": q.status, "votes": q.votes, "mode": q.mode,
            "pinned": q.pinned, "answer": q.answer or "",
            "author": "" if q.anonymous else q.author_name,
            "created_at": when.isoformat(timespec="seconds").replace("+00:00", "Z")}


# -- moderation --------------------------------------------------------------------------------
def moderate(q: Question, action: Action, *, answer: str | None = None,
             moderated: bool = True) -> Question | None:
    """The question after `action`; None when it already is in that state (nothing to do);
    `conflict` when its state does not allow the action."""
    step = _STEPS[action]
    changes = step(q, answer, moderated)
    if changes is None:
        return None
    changed = msgspec.structs.replace(q, **changes)
    if changed == q:
        return None
    return msgspec.structs.replace(changed, rev=q.rev + 1)


def _approve(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    if q.status == "answered":
        raise conflict("This question is answered: `reopen` it instead.")
    return {"status": "visible"}


def _dismiss(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    return {"status": "dismissed", "pinned": False}


def _answer(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    if q.status == "dismissed":
        raise conflict("This question is dismissed: `approve` it first.")
    return {"status": "answered", "pinned": False, "answer": answer or q.answer}


def _reopen(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    if q.status == "answered":
        return {"status": "visible", "answer": None}
    if q.status == "dismissed":  # back to where a new question would be
        return {"status": "pending" if moderated else "visible"}
    return None


def _pin(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    if q.status != "visible":
        raise conflict(f"Only a visible question can be pinned; this one is {q.status}.")
    return {"pinned": True}


def _unpin(q: Question, answer: str | None, moderated: bool) -> dict[str, Any] | None:
    return {"pinned": False}


_STEPS = {"approve": _approve, "dismiss": _dismiss, "answer": _answer, "reopen": _reopen,
          "pin": _pin, "unpin": _unpin}


# -- votes and withdrawal --------------------------------------------------------------------
def check_vote(q: Question | None, user_id: str, staff: bool) -> Question:
    """A question this person may vote on, or the error to answer."""
    if q is None or not can_see(q, user_id, staff):
        raise not_found("Question")
    if q.status not in VOTABLE:
        raise conflict(f"This question is {q.status}: only visible or answered questions "
                       "take votes.")
    return q


def may_withdraw(q: Question, user_id: str, moderator: bool) -> bool:
    return moderator or q.author_id == user_id


# -- who hears of a change ---------------------------------------------------------------------
class Audience(enum.Enum):
    session = "session"  # everyone in the session
    author = "author"  # the asker, on all their connections
    staff = "staff"  # speakers and moderators of the session


Notice = tuple[Audience, Literal["qa.question", "qa.removed"]]


def notices(before: Status | None, after: Status | None) -> list[Notice]:
    """Which events a change sends where: `before` None for a new question, `after` None
    for a withdrawn one. Staff also hear the session topic, so their notice comes last:
    applied in arrival order, every role ends with its own correct view."""
    was_public = before in PUBLIC
    if after is None:
        out: list[Notice] = [(Audience.session, "qa.removed")] if was_public else []
        return [*out, (Audience.author, "qa.removed"), (Audience.staff, "qa.removed")]
    if after in PUBLIC:
        return [(Audience.session, "qa.question")]
    if after == "pending":  # new, or reopened after a dismissal: never public before
        return [(Audience.author, "qa.question"), (Audience.staff, "qa.question")]
    out = [(Audience.session, "qa.removed")] if was_public else []
    return [*out, (Audience.author, "qa.removed"), (Audience.staff, "qa.question")]
