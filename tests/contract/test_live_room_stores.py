"""The live room's stores under contract: the embedded store (in memory and on SQLite, reopened
as a restarted server would) and Redis behave alike."""

from __future__ import annotations

import pytest

from plenary.features.breakouts.sharing import STORE as SHARED
from plenary.features.chat.rules import Message
from plenary.features.chat.store import STORE as CHAT
from plenary.features.chat.store import ChatStore
from plenary.features.moderation.rules import Removal
from plenary.features.moderation.store import STORE as MODERATION
from plenary.features.moderation.store import ModerationStore
from plenary.features.stage.rules import Grant, Hand
from plenary.features.stage.store import STORE as STAGE
from plenary.features.stage.store import StageStore
from stores import STORE_BACKENDS, Stores


@pytest.fixture(params=STORE_BACKENDS)
def stage(request: pytest.FixtureRequest, stores: Stores) -> StageStore:
    return stores.open(STAGE, request.param)


@pytest.fixture(params=STORE_BACKENDS)
def chat(request: pytest.FixtureRequest, stores: Stores) -> ChatStore:
    return stores.open(CHAT, request.param)


@pytest.fixture(params=STORE_BACKENDS)
def moderation(request: pytest.FixtureRequest, stores: Stores) -> ModerationStore:
    return stores.open(MODERATION, request.param)


async def test_one_hand_per_person_and_grants(stage: StageStore, ev: str) -> None:
    store = stage
    assert await store.raise_hand(ev, "s", Hand("ana", "Ana", "in_room", 10))
    assert not await store.raise_hand(ev, "s", Hand("ana", "Ana", "remote", 20))  # keeps place
    await store.raise_hand(ev, "s", Hand("bo", "Bo", "remote", 15))
    await store.raise_hand(ev, "other", Hand("cy", "Cy", "remote", 1))
    assert sorted(h.user for h in await store.hands(ev, "s")) == ["ana", "bo"]
    assert (await store.raised(ev, "s", "ana")) == Hand("ana", "Ana", "in_room", 10)
    assert await store.lower(ev, "s", "ana") and not await store.lower(ev, "s", "ana")
    await store.lower_all(ev, "s")
    assert await store.hands(ev, "s") == [] and len(await store.hands(ev, "other")) == 1
    assert await store.grant(ev, "s", Grant("bo", "Bo", 30))
    assert not await store.grant(ev, "s", Grant("bo", "Bo", 31))
    assert await store.granted(ev, "s", "bo") and not await store.granted(ev, "other", "bo")
    assert [g.user for g in await store.grants(ev, "s")] == ["bo"]
    assert await store.revoke(ev, "s", "bo") and not await store.granted(ev, "s", "bo")


async def test_chat_keeps_the_recent_messages_and_forgets_deleted(chat: ChatStore,
                                                                  ev: str) -> None:
    store = chat
    for i in range(4):
        await store.add(ev, "s", Message(f"m-{i}", "u", "U", f"text {i}", 100 + i), keep=3)
    assert [m.id for m in await store.recent(ev, "s")] == ["m-1", "m-2", "m-3"]
    await store.set_seq(ev, "s", "m-2", 42)
    gone = await store.delete(ev, "s", "m-2")
    assert gone is not None and gone.seq == 42
    assert await store.delete(ev, "s", "m-2") is None
    assert [m.id for m in await store.recent(ev, "s")] == ["m-1", "m-3"]
    await store.set_slow_mode(ev, "s", 30)
    assert await store.slow_mode(ev, "s") == 30 and await store.slow_mode(ev, "t") == 0
    assert await store.claim_turn(ev, "s", "u", 30)
    assert not await store.claim_turn(ev, "s", "u", 30)
    assert await store.claim_turn(ev, "s", "v", 30)


async def test_removals_and_mutes(moderation: ModerationStore, ev: str) -> None:
    store = moderation
    await store.remove(ev, Removal("troll", "Spam", "Mod", 2))
    await store.remove(ev, Removal("other", "Abuse", "Mod", 1))
    assert (await store.removal(ev, "troll")) == Removal("troll", "Spam", "Mod", 2)
    assert await store.removal(ev, "ana") is None
    assert [r.user for r in await store.removals(ev)] == ["other", "troll"]
    await store.set_muted(ev, "ana", True)
    assert await store.muted(ev, "ana") and not await store.muted(ev, "bo")
    await store.set_muted(ev, "ana", False)
    assert not await store.muted(ev, "ana")


async def test_the_sqlite_stores_reopen_with_what_was_acknowledged(stores: Stores,
                                                                   ev: str) -> None:
    tables = stores.tables()  # one file, one process: the stores share its tables
    await STAGE.embedded(tables).grant(ev, "s", Grant("bo", "Bo", 30))
    await CHAT.embedded(tables).add(ev, "s", Message("m-1", "u", "U", "hello", 100), keep=10)
    await MODERATION.embedded(tables).remove(ev, Removal("troll", "Spam", "Mod", 2))
    await SHARED.embedded(tables).put(
        ev, "s", {"session": "s", "reports": [{"room": "r-1", "text": "x"}]})
    assert await stores.reopen(STAGE).granted(ev, "s", "bo")
    assert [m.text for m in await stores.reopen(CHAT).recent(ev, "s")] == ["hello"]
    assert await stores.reopen(MODERATION).removal(ev, "troll") is not None
    assert (await stores.reopen(SHARED).get(ev, "s") or {})["reports"][0]["room"] == "r-1"
