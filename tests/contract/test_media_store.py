"""The media stores' contract: who is live where (`MediaStore`) and each process's load
(`NodeBook`), the embedded store and Redis alike. `remove` is true for exactly one caller:
that is how exactly one process announces the end of a dead process's publishers."""

from __future__ import annotations

import secrets

import pytest

from plenary.features.media.nodes import BOOK, NodeBook, NodeLoad
from plenary.features.media.store import STORE, Entry, MediaStore
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> MediaStore:
    return stores.open(STORE, request.param)


@pytest.fixture(params=STORE_BACKENDS)
def book(request: pytest.FixtureRequest, stores: Stores) -> NodeBook:
    return stores.open(BOOK, request.param)


def entry(pid: str, node: str, scope: str = "session:opening") -> Entry:
    return Entry(pid, "u-1", "Ana", "camera", scope, node)


async def test_entries_by_scope_and_by_process_and_removed_once(store: MediaStore,
                                                                ev: str) -> None:
    await store.put(ev, entry("p-1", "n1"))
    await store.put(ev, entry("p-2", "n2"))
    await store.put(ev, entry("p-3", "n1", "room:r1"))
    assert [e.id for e in await store.in_scope(ev, "session:opening")] == ["p-1", "p-2"]
    assert sorted(e.id for e in await store.of_node(ev, "n1")) == ["p-1", "p-3"]
    got = await store.get(ev, "p-3")
    assert got is not None and got.at > 0, "stamped when put"
    assert await store.remove(ev, "p-1") is True
    assert await store.remove(ev, "p-1") is False, "only one caller removes it"
    assert await store.get(ev, "p-1") is None
    assert await store.of_node(ev, "n2") == [await store.get(ev, "p-2")]


async def test_node_loads_are_stamped_replaced_and_removed_once(book: NodeBook) -> None:
    node = "n-" + secrets.token_hex(3)
    assert await book.put(NodeLoad(node, viewers=3, legs_out=1, cap=10, pulls=["p-9"])), \
        "a new record"
    assert not await book.put(NodeLoad(node, viewers=4, legs_out=1, cap=10, pulls=["p-9"],
                                       events=["ev-1"]))
    mine = [n for n in await book.all() if n.node == node]
    assert len(mine) == 1 and mine[0].viewers == 4 and mine[0].at > 0
    load = mine[0].load()
    assert (load.sending, load.cap, load.pulls) == (5, 10, frozenset({"p-9"}))
    assert await book.remove(node) is True
    assert await book.remove(node) is False
    assert all(n.node != node for n in await book.all())
