"""The Q&A rules, without a server: visibility, order, moderation, votes, who hears what."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from plenary.errors import Code, ProtocolError
from plenary.features.qa import rules
from plenary.features.qa.rules import Audience, Question


def public(q: Question, **kw: Any) -> Any:
    """The question as it goes on the wire."""
    return msgspec.to_builtins(rules.public(q, **kw))


def view(questions: list[Question], user_id: str, staff: bool) -> Any:
    return msgspec.to_builtins(rules.view(questions, user_id, staff))

def ask(qid: str = "q-1", *, author: str = "u-a", moderated: bool = False,
        anonymous: bool = False, at: int = 1000, **changes: object) -> Question:
    q = rules.new_question(qid, "opening", "Why?", author_id=author, author_name="Zoë Müller",
                           anonymous=anonymous, mode="in_room", moderated=moderated, now_ms=at)
    return msgspec.structs.replace(q, **changes) if changes else q


def code_of(call: object) -> str:
    with pytest.raises(ProtocolError) as info:
        call()  # type: ignore[operator]
    return info.value.code.value


# -- a new question ----------------------------------------------------------------------------
def test_moderated_session_makes_pending_questions() -> None:
    assert ask(moderated=True).status == "pending"
    assert ask(moderated=False).status == "visible"


def test_public_form_has_the_contract_fields() -> None:
    out = public(ask(votes=3))
    assert set(out) == {"id", "session", "text", "author", "votes", "status", "pinned",
                        "answer", "created_at", "mode"}
    assert out == {"id": "q-1", "session": "opening", "text": "Why?",
                   "author": {"id": "u-a", "name": "Zoë Müller"}, "votes": 3,
                   "status": "visible", "pinned": False, "answer": None, "created_at": 1000,
                   "mode": "in_room"}
    answered = public(ask(status="answered", pinned=True, answer="Because."))
    assert (answered["status"], answered["pinned"], answered["answer"]) == \
        ("answered", True, "Because.")


def test_anonymous_question_names_nobody_even_to_its_author() -> None:
    q = ask(anonymous=True)
    assert public(q)["author"] is None
    assert public(q, mine=True)["author"] is None
    assert view([q], "u-a", staff=False)[0]["author"] is None
    assert view([q], "u-mod", staff=True)[0]["author"] is None
    assert rules.report_row(q)["author"] == ""


def test_the_asker_sees_their_own_pending_question_in_a_fresh_snapshot() -> None:
    pending = ask(status="pending")
    assert [q["id"] for q in view([pending], "u-a", staff=False)] == [pending.id]
    assert view([pending], "u-b", staff=False) == []
    assert [q["id"] for q in view([pending], "u-mod", staff=True)] == [pending.id]


def test_reopening_a_dismissed_question_moderates_it_again_by_default() -> None:
    reopened = rules.moderate(ask(status="dismissed"), "reopen")
    assert reopened is not None and reopened.status == "pending"
    unmoderated = rules.moderate(ask(status="dismissed"), "reopen", moderated=False)
    assert unmoderated is not None and unmoderated.status == "visible"


def test_mine_only_for_the_asker() -> None:
    q = ask()
    assert view([q], "u-a", staff=False)[0]["mine"] is True
    assert "mine" not in view([q], "u-b", staff=False)[0]
    assert "mine" not in public(q)


# -- visibility --------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "author", "other", "staff"), [
    ("pending", True, False, True),
    ("visible", True, True, True),
    ("answered", True, True, True),
    ("dismissed", False, False, True),
])
def test_who_sees_what(status: str, author: bool, other: bool, staff: bool) -> None:
    q = ask(status=status)
    assert rules.can_see(q, "u-a", staff=False) is author
    assert rules.can_see(q, "u-b", staff=False) is other
    assert rules.can_see(q, "u-m", staff=True) is staff


# -- order -------------------------------------------------------------------------------------
def test_order_pinned_then_votes_then_oldest_then_answered() -> None:
    qs = [
        ask("old", at=1, votes=2),
        ask("new", at=5, votes=2),
        ask("top", at=9, votes=7),
        ask("pin", at=10, votes=0, pinned=True),
        ask("done", at=0, votes=99, status="answered"),
        ask("gone", at=0, votes=50, status="dismissed"),
        ask("wait", at=3, votes=0, status="pending"),
    ]
    order = [q["id"] for q in view(qs, "u-m", staff=True)]
    assert order == ["pin", "top", "old", "new", "wait", "done", "gone"]
    assert [q["id"] for q in view(qs, "u-b", staff=False)] == [
        "pin", "top", "old", "new", "done"]


# -- moderation --------------------------------------------------------------------------------
def test_approve_pending_and_restore_dismissed() -> None:
    approved = rules.moderate(ask(status="pending"), "approve")
    assert approved is not None and approved.status == "visible" and approved.rev == 1
    restored = rules.moderate(ask(status="dismissed"), "approve")
    assert restored is not None and restored.status == "visible"


def test_actions_that_change_nothing_return_none() -> None:
    assert rules.moderate(ask(status="visible"), "approve") is None
    assert rules.moderate(ask(status="dismissed"), "dismiss") is None
    assert rules.moderate(ask(pinned=True), "pin") is None
    assert rules.moderate(ask(), "unpin") is None
    assert rules.moderate(ask(status="visible"), "reopen") is None
    assert rules.moderate(ask(status="answered", answer="Yes"), "answer") is None


def test_dismiss_unpins() -> None:
    q = rules.moderate(ask(pinned=True), "dismiss")
    assert q is not None and q.status == "dismissed" and not q.pinned


def test_answer_with_and_without_text() -> None:
    q = rules.moderate(ask(pinned=True), "answer", answer="We hire more.")
    assert q is not None and (q.status, q.answer, q.pinned) == ("answered", "We hire more.", False)
    plain = rules.moderate(ask(status="pending"), "answer")
    assert plain is not None and plain.status == "answered" and plain.answer is None
    edited = rules.moderate(q, "answer", answer="Better.")
    assert edited is not None and edited.answer == "Better." and edited.rev == q.rev + 1


def test_reopen() -> None:
    q = rules.moderate(ask(status="answered", answer="x"), "reopen")
    assert q is not None and q.status == "visible" and q.answer is None
    back = rules.moderate(ask(status="dismissed"), "reopen", moderated=True)
    assert back is not None and back.status == "pending"
    free = rules.moderate(ask(status="dismissed"), "reopen", moderated=False)
    assert free is not None and free.status == "visible"


@pytest.mark.parametrize(("status", "action"), [
    ("answered", "approve"), ("dismissed", "answer"), ("pending", "pin"),
    ("answered", "pin"), ("dismissed", "pin"),
])
def test_forbidden_transitions_are_conflicts(status: str, action: str) -> None:
    q = ask(status=status)
    assert code_of(lambda: rules.moderate(q, action)) == Code.conflict  # type: ignore[arg-type]


def test_pin_and_unpin() -> None:
    pinned = rules.moderate(ask(), "pin")
    assert pinned is not None and pinned.pinned
    unpinned = rules.moderate(pinned, "unpin")
    assert unpinned is not None and not unpinned.pinned and unpinned.rev == 2


# -- votes and withdrawal ----------------------------------------------------------------------
def test_vote_rules() -> None:
    assert rules.check_vote(ask(), "u-b", staff=False).id == "q-1"
    assert rules.check_vote(ask(status="answered"), "u-b", staff=False).id == "q-1"
    assert code_of(lambda: rules.check_vote(None, "u-b", False)) == Code.not_found
    pending = ask(status="pending")
    assert code_of(lambda: rules.check_vote(pending, "u-b", False)) == Code.not_found
    assert code_of(lambda: rules.check_vote(pending, "u-a", False)) == Code.conflict
    assert code_of(lambda: rules.check_vote(pending, "u-m", True)) == Code.conflict
    gone = ask(status="dismissed")
    assert code_of(lambda: rules.check_vote(gone, "u-a", False)) == Code.not_found


def test_withdraw_by_author_or_moderator() -> None:
    q = ask()
    assert rules.may_withdraw(q, "u-a", moderator=False)
    assert rules.may_withdraw(q, "u-m", moderator=True)
    assert not rules.may_withdraw(q, "u-b", moderator=False)


# -- who hears of a change ---------------------------------------------------------------------
S, A, T = Audience.session, Audience.author, Audience.staff


@pytest.mark.parametrize(("before", "after", "expected"), [
    (None, "visible", [(S, "qa.question")]),
    (None, "pending", [(A, "qa.question"), (T, "qa.question")]),
    ("pending", "visible", [(S, "qa.question")]),
    ("visible", "answered", [(S, "qa.question")]),
    ("pending", "dismissed", [(A, "qa.removed"), (T, "qa.question")]),
    ("visible", "dismissed", [(S, "qa.removed"), (A, "qa.removed"), (T, "qa.question")]),
    ("dismissed", "pending", [(A, "qa.question"), (T, "qa.question")]),
    ("visible", None, [(S, "qa.removed"), (A, "qa.removed"), (T, "qa.removed")]),
    ("pending", None, [(A, "qa.removed"), (T, "qa.removed")]),
])
def test_notices(before: rules.Status | None, after: rules.Status | None,
                 expected: list[rules.Notice]) -> None:
    assert rules.notices(before, after) == expected


def test_pending_or_dismissed_never_reach_the_session_topic() -> None:
    for before in (None, "pending", "visible", "answered", "dismissed"):
        for after in ("pending", "dismissed"):
            sent = rules.notices(before, after)
            assert (S, "qa.question") not in sent


def test_report_row_is_flat_and_readable() -> None:
    row = rules.report_row(ask(at=1_600_000_000_000, votes=4, answer=None))
    assert row == {"id": "q-1", "text": "Why?", "status": "visible", "votes": 4,
                   "mode": "in_room", "pinned": False, "answer": "", "author": "Zoë Müller",
                   "created_at": "2020-09-13T12:26:40Z"}
