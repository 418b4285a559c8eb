"""The media roster on the embedded node book: which processes died (removed by exactly
one watcher), which are gone since the last round, and a process taken for dead that
learns it on its next record."""

from __future__ import annotations

import msgspec

from plenary.features.media.nodes import MemoryNodeBook, NodeLoad
from plenary.features.media.roster import Roster
from plenary.features.media.rules import Load


def age(book: MemoryNodeBook, node: str, seconds: float) -> None:
    """Make `node`'s record `seconds` older: it stopped advertising that long ago."""
    load = book._loads[node]
    book._loads[node] = msgspec.structs.replace(load, at=load.at - seconds)


async def test_a_stale_record_is_removed_once_and_its_process_is_gone() -> None:
    book = MemoryNodeBook()
    me, other, third = (Roster(book, n, ttl_s=5) for n in ("me", "other", "third"))
    for roster in (me, other, third):
        assert not await roster.advertise(NodeLoad(roster.node, events=["ev"]))
    assert (await me.watch()).gone == set()
    assert set(await me.loads(Load("me"))) == {"me", "other", "third"}
    age(book, "other", 6)
    assert set(await me.loads(Load("me"))) == {"me", "third"}, "a stale process gets no viewer"
    first = await me.watch()
    assert [d.node for d in first.removed] == ["other"] and first.gone == {"other"}
    late = await third.watch()
    assert late.removed == [], "only one watcher removes it (and ends its publishers)"
    assert (await me.watch()).gone == set()


async def test_a_process_taken_for_dead_learns_it_on_its_next_record() -> None:
    book = MemoryNodeBook()
    roster = Roster(book, "me", ttl_s=5)
    assert not await roster.advertise(NodeLoad("me")), "the first record is no revival"
    assert not await roster.advertise(NodeLoad("me"))
    await book.remove("me")  # another process took it for dead
    assert await roster.advertise(NodeLoad("me"))
    await roster.withdraw()
    assert not await roster.advertise(NodeLoad("me")), "after its own withdrawal: a new start"
