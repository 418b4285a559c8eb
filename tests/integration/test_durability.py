"""The embedded backend on SQLite: SIGKILL the server during a 300-voter storm, start it
again on the same PLENARY_DATA, and compare with every acknowledged reply. Timers set before
the kill run after it, and a client that resumes its old stream is sent to a new snapshot
(another epoch) instead of a wrong replay."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from harness import Client, Event, Server, create_event, http

SESSION = "opening"
VOTERS = 300
KILL_AFTER = 20  # acknowledged votes


async def _voter(event: Event, token: str) -> Client:
    client = await Client.connect(event.server, token)
    await client.join(SESSION)
    return client


async def _vote(client: Client, poll: str, acked: set[str], enough: asyncio.Event) -> None:
    try:
        await client.call("poll.vote", {"poll": poll, "choices": [len(acked) % 2]}, timeout=20)
    except Exception:  # killed before the reply: not acknowledged, may or may not be stored
        return
    acked.add(client.user["id"])
    if len(acked) >= KILL_AFTER:
        enough.set()


async def test_sigkill_in_a_vote_storm_loses_nothing_acknowledged(tmp_path: Path) -> None:
    server = Server(env={"PLENARY_DATA": str(tmp_path)}).start()
    voters: list[Client] = []
    try:
        event = create_event(server)
        mod_token = event.token("moderator", "Mod")
        mod = await Client.connect(server, mod_token)
        joined = await mod.join(SESSION)
        position = [joined["epochs"][f"session:{SESSION}"], joined["topics"][f"session:{SESSION}"]]
        question = (await mod.call("qa.ask", {"session": SESSION, "text": "Still here?"}))
        storm = await _open_poll(mod, anonymous=False)
        timer = await _open_poll(mod, duration_s=4)
        room = await _open_breakout(mod, duration_s=4)
        tokens = [event.token("attendee", f"Voter {i}") for i in range(VOTERS)]
        for start in range(0, VOTERS, 50):
            voters += await asyncio.gather(*[_voter(event, t) for t in tokens[start:start + 50]])
        acked: set[str] = set()
        enough = asyncio.Event()
        votes = [asyncio.create_task(_vote(v, storm["id"], acked, enough)) for v in voters]
        await enough.wait()  # the storm is under way: kill it in the middle
        server.kill()
        killed_at = len(acked)
        await asyncio.gather(*votes)
        began = time.monotonic()
        server.start()
        mod = await Client.connect(server, mod_token,
                                   resume={f"session:{SESSION}": position})
        assert mod.hello["resumed"] == {f"session:{SESSION}": False}  # another epoch
        snapshot = await mod.join(SESSION)
        recovery = time.monotonic() - began
        assert snapshot["epochs"][f"session:{SESSION}"] != position[0]
        assert [q["id"] for q in snapshot["questions"]] == [question["question"]["id"]]
        stored = _ballots(server, event, mod_token, storm["id"])
        assert acked <= stored, f"{len(acked - stored)} acknowledged ballots lost"
        assert len(stored) <= VOTERS
        print(f"\nSIGKILL after {killed_at} acks: {len(acked)} acknowledged, {len(stored)} "
              f"stored, 0 lost; restart to first snapshot {recovery:.2f} s")
        # Timers set before the kill: the poll closes and the breakout ends after it.
        polls = {p["id"]: p for p in snapshot["polls"]}
        if polls[timer["id"]]["state"] != "closed":
            await mod.event("poll.state", lambda d: d["poll"]["id"] == timer["id"]
                            and d["poll"]["state"] == "closed", timeout=15)
        if snapshot.get("breakout") is not None:  # still the session's current round
            await mod.event("breakout.state", lambda d: d["breakout"]["id"] == room["id"]
                            and d["breakout"]["state"] == "closed", timeout=15)
        rounds = _report(server, event, mod_token)["breakouts"]
        assert [(b["id"], b["state"]) for b in rounds] == [(room["id"], "closed")]
        status, body = http("GET", f"{server.http}/api/events/{event.id}")
        assert status == 200 and body["id"] == event.id  # the definition PUT before the kill
        await mod.close()
    finally:
        await asyncio.gather(*[v.close() for v in voters], return_exceptions=True)
        server.stop()


async def _open_poll(mod: Client, **fields: Any) -> dict[str, Any]:
    data = {"session": SESSION, "title": "Do we survive?", "kind": "single",
            "options": ["Yes", "No"], **fields}
    poll = (await mod.call("poll.create", data))["poll"]
    return (await mod.call("poll.open", {"poll": poll["id"]}))["poll"]


async def _open_breakout(mod: Client, **fields: Any) -> dict[str, Any]:
    b = (await mod.call("breakout.create", {"session": SESSION, "rooms": 2, "assign": "self",
                                            **fields}))["breakout"]
    return (await mod.call("breakout.open", {"breakout": b["id"]}))["breakout"]


def _report(server: Server, event: Event, token: str) -> dict[str, Any]:
    url = f"{server.http}/api/events/{event.id}/sessions/{SESSION}/report?format=json"
    status, report = http("GET", url, token=token)
    assert status == 200, report
    return report


def _ballots(server: Server, event: Event, token: str, poll_id: str) -> set[str]:
    poll = next(p for p in _report(server, event, token)["polls"] if p["id"] == poll_id)
    assert poll["outcome"]["votes"] == len(poll["ballots"])
    return {b["user"] for b in poll["ballots"]}
