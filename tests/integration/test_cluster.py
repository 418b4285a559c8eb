"""Two processes on one Redis: events cross, seq has no gap and no duplicate."""

from __future__ import annotations

import asyncio

from harness import Client, Server, create_event


async def test_events_cross_processes_with_one_gapless_seq(cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    on_a = await Client.connect(a, event.token("moderator"))
    on_b = await Client.connect(b, event.token("moderator"))
    watchers = [await Client.connect(srv, event.token()) for srv in (a, b, a, b)]
    for client in (on_a, on_b, *watchers):
        await client.join("opening")

    async def burst(client: Client, n: int) -> None:
        for i in range(n):
            await client.call("session.update", {"session": "opening", "live": i % 2 == 0})

    await asyncio.gather(burst(on_a, 15), burst(on_b, 15))
    for watcher in watchers:
        got = []
        while len(got) < 30:
            got.append(await watcher.event("session.updated"))
        seqs = [e["seq"] for e in got]
        assert seqs == sorted(set(seqs))  # in order, none twice; close() checks no gap
        # (presence events share the topic, so these 30 seqs need not be consecutive)
        assert not watcher.has("session.updated")
    for client in (on_a, on_b, *watchers):
        await client.close()


async def test_a_client_may_resume_on_the_other_process(cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(b)
    token = event.token()
    ana = await Client.connect(a, token)
    await ana.join("opening")
    last = dict(ana.seqs)
    await ana.close()
    moderator = await Client.connect(a, event.token("moderator"))
    await moderator.call("session.update", {"session": "opening", "live": True})
    again = await Client.connect(b, token, resume=last)
    assert again.hello["resumed"] == {"session:opening": True}
    assert (await again.event("session.updated"))["seq"] == last["session:opening"] + 1
    await again.close()
    await moderator.close()


async def test_presence_is_shared(cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    watcher = await Client.connect(a, event.token("moderator"))
    await watcher.join("opening")
    token = event.token("attendee", "Tab user")
    tabs = [await Client.connect(srv, token) for srv in (a, b)]
    for tab in tabs:
        await tab.join("opening", "in_room")
    other = await Client.connect(b, event.token())
    await other.join("opening")
    await watcher.event("presence", lambda d: d == {"online": 3, "in_room": 1, "remote": 2})
    for c in (watcher, *tabs, other):
        await c.close()
