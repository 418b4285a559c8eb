import msgspec
import pytest

from plenary.errors import ProtocolError
from plenary.features.qa import rules
from plenary.features.qa.rules import Question
from plenary.features.qa.similar import most_similar


def question(qid: str, text: str = "How do we stay resilient?", status: rules.Status = "visible",
             at: int = 1, session: str = "s") -> Question:
    q = rules.new_question(qid, session, text, author_id="u", author_name="A", anonymous=False,
                           mode="remote", moderated=False, now_ms=at)
    return msgspec.structs.replace(q, status=status)


def test_a_closed_qa_refuses_attendees_with_its_own_code() -> None:
    rules.check_open(False, staff=True)
    with pytest.raises(ProtocolError) as err:
        rules.check_open(False, staff=False)
    assert err.value.code == "qa_closed"


def test_an_edit_marks_the_question_and_bumps_its_revision() -> None:
    q = question("q-1")
    edited = rules.edit(q, "How do we stay resilient as a team?")
    assert edited is not None and edited.edited and edited.rev == q.rev + 1
    assert rules.edit(q, q.text) is None


def test_a_merge_needs_two_questions_of_one_session_and_a_live_target() -> None:
    a, b = question("a"), question("b")
    rules.check_merge(a, b)
    for into in (a, question("c", session="other")):
        with pytest.raises(ProtocolError):
            rules.check_merge(a, into)
    with pytest.raises(ProtocolError) as err:
        rules.check_merge(a, question("d", status="dismissed"))
    assert err.value.code == "conflict"


def test_the_hint_names_the_oldest_live_question_alike() -> None:
    qs = [question("new", at=5), question("old", at=1), question("gone", at=0,
                                                                 status="dismissed"),
          question("b", "What about the budget?", at=2)]
    assert most_similar("how do we stay RESILIENT, as a team", qs) == "old"
    assert most_similar("Where is lunch?", qs) is None
    assert most_similar("anything", []) is None
