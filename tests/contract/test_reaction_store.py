"""The reactions store's contract: the embedded store and Redis behave alike."""

from __future__ import annotations

import pytest

from plenary.features.reactions.store import STORE, ReactionStore
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> ReactionStore:
    return stores.open(STORE, request.param)


async def test_counts_add_up_across_flushes_and_are_taken_once(store: ReactionStore,
                                                               ev: str) -> None:
    await store.flush({(ev, "s"): {"heart": 2}}, {}, 1, 10)
    await store.flush({(ev, "s"): {"heart": 1, "laugh": 4}, (ev, "t"): {"heart": 1}}, {}, 1, 10)
    assert await store.take(ev, "s") == {"heart": 3, "laugh": 4}
    assert await store.take(ev, "s") == {}
    assert await store.take(ev, "t") == {"heart": 1}


async def test_each_persons_uses_add_up_per_window(store: ReactionStore, ev: str) -> None:
    assert await store.flush({}, {(ev, "ana"): 3, (ev, "bo"): 1}, 7, 10) == {
        (ev, "ana"): 3, (ev, "bo"): 1}
    assert await store.flush({}, {(ev, "ana"): 2}, 7, 10) == {(ev, "ana"): 5}
    assert await store.flush({}, {(ev, "ana"): 1}, 8, 10) == {(ev, "ana"): 1}  # a new window
