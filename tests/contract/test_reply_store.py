"""The idempotency store's contract: a key is claimed once, its reply kept, an error frees it."""

from __future__ import annotations

import pytest

from plenary.idempotency import PENDING, STORE, ReplyStore, once
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> ReplyStore:
    return stores.open(STORE, request.param)


async def test_a_key_is_claimed_once_and_answers_its_reply(store: ReplyStore, ev: str) -> None:
    name = (ev, "u1", "qa.ask", "k1")
    assert await store.claim(name) is None
    assert await store.claim(name) == PENDING
    await store.keep(name, b'{"question":{"id":"q1"}}')
    assert await store.claim(name) == b'{"question":{"id":"q1"}}'
    assert await store.claim((ev, "u2", "qa.ask", "k1")) is None  # another user's key
    await store.release((ev, "u2", "qa.ask", "k1"))
    assert await store.read((ev, "u2", "qa.ask", "k1")) is None


async def test_once_runs_once_and_an_error_runs_again(store: ReplyStore, ev: str) -> None:
    runs: list[int] = []

    async def run() -> dict[str, int]:
        runs.append(1)
        if len(runs) == 1:
            raise ValueError("refused")
        return {"n": len(runs)}

    with pytest.raises(ValueError):
        await once(store, (ev, "u1", "x", "k"), run)
    assert await once(store, (ev, "u1", "x", "k"), run) == {"n": 2}
    assert await once(store, (ev, "u1", "x", "k"), run) == {"n": 2}
    assert len(runs) == 2


async def test_sqlite_keeps_replies_across_a_restart_but_no_pending_claim(
        stores: Stores, ev: str) -> None:
    store = stores.open(STORE, "sqlite")
    await store.claim((ev, "u1", "x", "done"))
    await store.keep((ev, "u1", "x", "done"), b"{}")
    await store.claim((ev, "u1", "x", "running"))
    await store.keep((ev, "u1", "x", "other"), b"[]")  # commits the pending claim with it
    again = stores.reopen(STORE)
    assert await again.claim((ev, "u1", "x", "done")) == b"{}"
    assert await again.claim((ev, "u1", "x", "running")) is None
