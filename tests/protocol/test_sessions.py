"""Joining sessions: the snapshot, its seqs, presence, leaving and switching."""

from __future__ import annotations

from harness import Client, Event
from plenary import client_protocol


async def test_the_snapshot_holds_every_part_and_the_topic_seqs(event: Event) -> None:
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.join("opening")
    await moderator.call("session.update", {"session": "opening", "live": True})
    attendee = await Client.connect(event.server, event.token("attendee"))
    snapshot = await attendee.join("opening", "in_room")
    assert snapshot["session"]["live"] is True and snapshot["session"]["qa_moderated"] is True
    for part in ("questions", "my_votes", "polls", "breakout", "presence", "media"):
        assert part in snapshot
    # Exactly what the server declares (and client/js/protocol.js lists).
    assert set(snapshot) == set(client_protocol.declared()["SNAPSHOT_KEYS"])
    assert snapshot["topics"]["session:opening"] >= 1
    assert "session:opening:staff" not in snapshot["topics"]
    staff_snapshot = await moderator.join("opening")
    assert "session:opening:staff" in staff_snapshot["topics"]
    # Later events start right after the snapshot's seq.
    await moderator.call("session.update", {"session": "opening", "live": False})
    updated = await attendee.event("session.updated")
    assert updated["seq"] > snapshot["topics"]["session:opening"]  # close() checks no gap
    for c in (moderator, attendee):
        await c.close()


async def test_presence_counts_people_in_the_room_and_online(event: Event) -> None:
    watcher = await Client.connect(event.server, event.token("moderator"))
    await watcher.join("opening")
    token = event.token("attendee", "Two Tabs")
    tabs = [await Client.connect(event.server, token) for _ in range(2)]
    for tab in tabs:
        await tab.join("opening", "remote")
    delegate = await Client.connect(event.server, event.token("attendee"))
    await delegate.join("opening", "in_room")
    seen = await watcher.event("presence", lambda d: d["online"] == 3)
    assert seen["data"] == {"online": 3, "in_room": 1, "remote": 2}
    await delegate.close()
    await watcher.event("presence", lambda d: d == {"online": 2, "in_room": 0, "remote": 2})
    for tab in tabs:
        await tab.close()
    await watcher.close()


async def test_joining_another_session_leaves_the_first(event: Event) -> None:
    watcher = await Client.connect(event.server, event.token("moderator"))
    await watcher.join("opening")
    attendee = await Client.connect(event.server, event.token())
    await attendee.join("opening")
    await watcher.event("presence", lambda d: d["online"] == 2)
    await attendee.join("open-floor")
    await watcher.event("presence", lambda d: d["online"] == 1)
    await watcher.call("session.update", {"session": "opening", "live": True})
    other = await Client.connect(event.server, event.token("moderator"))
    await other.call("session.update", {"session": "open-floor", "live": True})
    updated = await attendee.event("session.updated")
    assert updated["topic"] == "session:open-floor"  # nothing more from `opening`
    assert not attendee.has("session.updated")
    for c in (watcher, attendee, other):
        await c.close()


async def test_leave_stops_the_events(event: Event) -> None:
    attendee = await Client.connect(event.server, event.token())
    await attendee.join("opening")
    assert await attendee.call("session.leave", {"session": "opening"}) == {}
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.join("opening")
    await moderator.call("session.update", {"session": "opening", "qa_moderated": False})
    await moderator.event("session.updated")
    assert not attendee.has("session.updated")
    for c in (attendee, moderator):
        await c.close()
