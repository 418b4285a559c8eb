"""The Q&A store's contract: the embedded store and Redis behave alike."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from plenary.features.qa import rules
from plenary.features.qa.rules import Question
from plenary.features.qa.store import STORE, QAStore
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> QAStore:
    return stores.open(STORE, request.param)



def question(qid: str = "q-1", status: rules.Status = "visible", session: str = "opening",
             **changes: object) -> Question:
    q = rules.new_question(qid, session, "Zoë asks: ça va?", author_id="u-a",
                           author_name="Zoë Müller", anonymous=False, mode="remote",
                           moderated=False, now_ms=1234)
    return msgspec.structs.replace(q, status=status, **changes)


async def test_add_get_and_list(store: QAStore, ev: str) -> None:
    q = question()
    assert await store.add(ev, q)
    assert await store.get(ev, "q-1") == q
    assert await store.get(ev, "q-2") is None
    assert await store.get("other-event", "q-1") is None
    await store.add(ev, question("q-2", session="other"))
    assert [x.id for x in await store.list(ev, "opening")] == ["q-1"]
    assert await store.list(ev, "nowhere") == []


async def test_a_taken_id_is_refused_and_nothing_changes(store: QAStore, ev: str) -> None:
    assert await store.add(ev, question())
    assert not await store.add(ev, question(text="Other"))
    stored = await store.get(ev, "q-1")
    assert stored is not None and stored.text == "Zoë asks: ça va?"


async def test_votes_once_per_user_idempotent_and_revocable(store: QAStore, ev: str) -> None:
    await store.add(ev, question())
    assert await store.vote(ev, "q-1", "u-1", True) == 1
    assert await store.vote(ev, "q-1", "u-1", True) == 1
    assert await store.vote(ev, "q-1", "u-2", True) == 2
    assert await store.vote(ev, "q-1", "u-1", False) == 1
    assert await store.vote(ev, "q-1", "u-1", False) == 1
    got = await store.get(ev, "q-1")
    assert got is not None and got.votes == 1
    assert await store.my_votes(ev, "u-2") == {"q-1"}
    assert await store.my_votes(ev, "u-1") == set()
    assert await store.counts(ev, ["q-1", "q-9"]) == {"q-1": 1}


async def test_concurrent_votes_count_each_user_once(store: QAStore, ev: str) -> None:
    await store.add(ev, question())
    users = [f"u-{i}" for i in range(20)]
    await asyncio.gather(*(store.vote(ev, "q-1", u, True) for u in users * 3))
    assert await store.counts(ev, ["q-1"]) == {"q-1": 20}


@pytest.mark.parametrize("status", ["pending", "dismissed"])
async def test_no_votes_unless_the_question_takes_them(store: QAStore, ev: str,
                                                       status: rules.Status) -> None:
    await store.add(ev, question(status=status))
    assert await store.vote(ev, "q-1", "u-1", True) is None
    assert await store.vote(ev, "nope", "u-1", True) is None
    assert await store.counts(ev, ["q-1"]) == {"q-1": 0}
    assert await store.my_votes(ev, "u-1") == set()


async def test_replace_checks_the_revision(store: QAStore, ev: str) -> None:
    q = question()
    await store.add(ev, q)
    await store.vote(ev, "q-1", "u-1", True)
    first = rules.moderate(q, "pin")
    second = rules.moderate(q, "answer", answer="Yes")
    assert first is not None and second is not None
    assert await store.replace(ev, q, first)
    assert not await store.replace(ev, q, second)  # stale: somebody pinned meanwhile
    stored = await store.get(ev, "q-1")
    assert stored is not None and stored.pinned and stored.status == "visible"
    assert stored.votes == 1 and stored.rev == 1
    assert not await store.replace(ev, question("q-9"), first)


async def test_remove_takes_the_votes_and_checks_the_revision(store: QAStore, ev: str) -> None:
    q = question()
    await store.add(ev, q)
    await store.vote(ev, "q-1", "u-1", True)
    changed = rules.moderate(q, "pin")
    assert changed is not None
    await store.replace(ev, q, changed)
    assert not await store.remove(ev, q)  # stale
    assert await store.remove(ev, changed)
    assert await store.get(ev, "q-1") is None
    assert await store.list(ev, "opening") == []
    assert await store.counts(ev, ["q-1"]) == {}
    assert await store.vote(ev, "q-1", "u-2", True) is None
    assert not await store.remove(ev, changed)


async def test_status_change_stops_votes_at_once(store: QAStore, ev: str) -> None:
    q = question()
    await store.add(ev, q)
    dismissed = rules.moderate(q, "dismiss")
    assert dismissed is not None
    await store.replace(ev, q, dismissed)
    assert await store.vote(ev, "q-1", "u-1", True) is None
    answered = rules.moderate(rules.moderate(dismissed, "approve"), "answer")  # type: ignore[arg-type]
    assert answered is not None
    await store.replace(ev, dismissed, answered)
    assert await store.vote(ev, "q-1", "u-1", True) == 1


async def test_the_sqlite_store_reopens_with_everything_acknowledged(stores: Stores,
                                                                     ev: str) -> None:
    store = stores.open(STORE, "sqlite")
    await store.add(ev, question())
    await store.add(ev, question("q-2", session="other"))
    for user in ("u1", "u2", "u3"):
        await store.vote(ev, "q-1", user, up=True)
    await store.vote(ev, "q-1", "u2", up=False)
    q = await store.get(ev, "q-2")
    assert q is not None
    await store.replace(ev, q, msgspec.structs.replace(q, status="answered", rev=q.rev + 1))
    again = stores.reopen(STORE)
    assert await again.list(ev, "opening") == await store.list(ev, "opening")
    assert (await again.get(ev, "q-1") or question()).votes == 2
    assert await again.my_votes(ev, "u1") == {"q-1"} and await again.my_votes(ev, "u2") == set()
    assert (await again.get(ev, "q-2") or question()).status == "answered"
    assert await again.remove(ev, await again.get(ev, "q-1") or question())
    assert await stores.reopen(STORE).get(ev, "q-1") is None


async def test_merging_moves_the_votes_one_per_person(store: QAStore, ev: str) -> None:
    old, into = question("q-old"), question("q-into")
    await store.add(ev, old)
    await store.add(ev, into)
    for user in ("ana", "bo"):
        await store.vote(ev, "q-old", user, True)
    for user in ("bo", "cy"):
        await store.vote(ev, "q-into", user, True)
    assert await store.merge(ev, old, "q-into") == 3  # bo voted for both: counted once
    assert await store.get(ev, "q-old") is None
    assert (await store.get(ev, "q-into")).votes == 3  # type: ignore[union-attr]
    assert await store.counts(ev, ["q-old", "q-into"]) == {"q-into": 3}
    assert await store.my_votes(ev, "ana") == {"q-into"}
    assert await store.vote(ev, "q-into", "ana", True) == 3  # still one vote each
    assert await store.merge(ev, old, "q-into") is None  # gone: nothing changes


async def test_a_merge_needs_the_same_revision_and_a_target(store: QAStore, ev: str) -> None:
    old = question("q-old")
    await store.add(ev, old)
    assert await store.merge(ev, old, "q-missing") is None
    stale = msgspec.structs.replace(old, rev=5)
    await store.add(ev, question("q-into"))
    assert await store.merge(ev, stale, "q-into") is None
    assert await store.get(ev, "q-old") is not None
