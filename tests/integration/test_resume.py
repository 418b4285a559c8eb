"""Resuming a connection: every missed event once, in order, then live ones."""

from __future__ import annotations

from harness import Client, Event, Server, create_event


async def _updates(moderator: Client, count: int, start: bool = True) -> None:
    for i in range(count):
        await moderator.call("session.update", {"session": "opening", "live": (i % 2 == 0) ^
                                                (not start)})


async def test_resume_replays_what_was_missed_exactly_once(event: Event) -> None:
    token = event.token("attendee", "Ana")
    ana = await Client.connect(event.server, token)
    await ana.join("opening")
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.join("opening")
    await _updates(moderator, 3)
    for _ in range(3):
        await ana.event("session.updated")
    last = dict(ana.seqs)
    await ana.close()
    await _updates(moderator, 4)  # missed while away
    again = await Client.connect(event.server, token, resume=last)
    assert again.hello["resumed"] == {t: True for t in last}
    await _updates(moderator, 2)  # live after the resume
    got = [await again.event("session.updated") for _ in range(6)]
    seqs = [e["seq"] for e in got]
    # In order, once each, and nothing from before the resume (a presence tick may take a
    # seq between two updates: the updates need not be contiguous among themselves).
    assert seqs == sorted(set(seqs)) and len(seqs) == 6
    assert seqs[0] > last["session:opening"]
    assert not again.has("session.updated")
    # The resumed connection is back in its session: presence counts it.
    await moderator.event("presence", lambda d: d["online"] == 2)
    for c in (again, moderator):
        await c.close()


async def test_a_topic_the_user_may_not_see_is_not_resumed(event: Event) -> None:
    ana = await Client.connect(event.server, event.token(), resume={
        "session:opening:staff": 0, "user:someone-else": 0, "session:nope": 0, "weird": 3})
    assert ana.hello["resumed"] == {"session:opening:staff": False, "user:someone-else": False,
                                    "session:nope": False, "weird": False}
    await ana.close()


async def test_when_history_no_longer_reaches_the_answer_is_false() -> None:
    server = Server(env={"PLENARY_HISTORY_SIZE": "3"}).start()
    try:
        event = create_event(server)
        token = event.token()
        ana = await Client.connect(server, token)
        await ana.join("opening")
        last = dict(ana.seqs)
        await ana.close()
        moderator = await Client.connect(server, event.token("moderator"))
        for i in range(5):
            await moderator.call("session.update", {"session": "opening", "live": i % 2 == 0})
        again = await Client.connect(server, token, resume=last)
        assert again.hello["resumed"] == {"session:opening": False}
        snapshot = await again.join("opening")  # the client's fallback: a fresh snapshot
        assert snapshot["session"]["live"] is True
        await again.close()
        await moderator.close()
    finally:
        server.stop()
