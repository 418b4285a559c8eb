"""Edges found by fault tests: each is refused precisely and the connection survives."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import redis.asyncio as aioredis

from harness import (
    ADMIN_KEY,
    ROOT,
    SECRET,
    Client,
    Event,
    RedisServer,
    Server,
    create_event,
    free_port,
    http,
    wait_port,
)
from plenary.backends.base import frame_parts, topic_key
from plenary.backends.redis import Keys


async def test_deeply_nested_frames_are_bad_requests_and_the_connection_stays(
        event: Event) -> None:
    client = await Client.connect(event.server)  # even before hello
    deep = {"x": 1}
    for _ in range(40):
        deep = {"x": deep}
    reply = await client.request("hello", deep)
    assert reply["type"] == "error" and reply["error"]["code"] == "bad_request"
    await client.send_raw('{"id": 9, "type": "hello", "data": ' + "[" * 20_000 + "]" * 20_000
                          + "}")
    error = await client.event("error")
    assert error["error"]["code"] == "bad_request" and "deeper" in error["error"]["message"]
    hello = await client.call("hello", {"token": event.token()})
    assert hello["user"]["role"] == "attendee"
    await client.close()
    assert "Traceback" not in event.server.output()
    assert "RecursionError" not in event.server.output()


async def test_a_retry_with_the_same_key_answers_the_first_reply_and_creates_nothing(
        event: Event) -> None:
    token, mod_token = event.token(), event.token("moderator")
    mod = await Client.connect(event.server, mod_token)
    await mod.join("open-floor")
    first = await Client.connect(event.server, token)
    await first.join("open-floor")
    ask = {"session": "open-floor", "text": "Asked once, sent twice?"}
    asked = await first.call("qa.ask", ask, key="k-ask-1")
    await first.close()  # the ack "was lost": the client retries on a new connection
    again = await Client.connect(event.server, token)
    await again.join("open-floor")
    assert await again.call("qa.ask", ask, key="k-ask-1") == asked
    other = await again.call("qa.ask", ask, key="k-ask-2")  # another key: another question
    assert other["question"]["id"] != asked["question"]["id"]
    questions = (await mod.join("open-floor"))["questions"]
    assert sorted(q["id"] for q in questions) == sorted(
        [asked["question"]["id"], other["question"]["id"]])
    poll = (await mod.call("poll.create", {"session": "open-floor", "title": "Once?",
                                           "kind": "single", "options": ["A", "B"]}))["poll"]
    await mod.call("poll.open", {"poll": poll["id"]})
    vote = {"poll": poll["id"], "choices": [1]}
    assert await again.call("poll.vote", vote, key="k-vote") == \
        await again.call("poll.vote", vote, key="k-vote")  # not `already_voted`
    assert await again.error("poll.vote", vote) == "already_voted"
    # An error changed nothing and keeps nothing: the same key may then succeed.
    assert await again.error("qa.ask", {"session": "open-floor", "text": " "}) == "bad_request"
    bad = await again.request("qa.ask", {"session": "open-floor", "text": " "}, key="k-3")
    assert bad["type"] == "error"
    assert (await again.call("qa.ask", ask, key="k-3"))["question"]["id"]
    reply = await again.request("qa.ask", ask, key="")
    assert reply["type"] == "error" and reply["error"]["code"] == "bad_request"
    for client in (mod, again):
        await client.close()


async def test_sigterm_closes_clients_with_1001_going_away() -> None:
    server = Server().start()
    try:
        event = create_event(server)
        clients = [await Client.connect(server, event.token()) for _ in range(3)]
        await clients[0].join("opening")
        assert server.proc is not None
        server.proc.terminate()
        for client in clients:
            code, _ = await client.wait_closed()
            assert code == 1001
        assert server.proc.wait(10) in (0, -15)  # uvicorn re-raises the signal it handled
    finally:
        server.stop()


async def test_a_lost_last_event_is_repaired_within_seconds(redis_server: RedisServer) -> None:
    """Write an event into the topic's seq and history as the publish script does, but never
    PUBLISH it (pub/sub lost it): the periodic seq check replays it to the subscribers."""
    server = Server(redis_server.url, env={"PLENARY_SEQ_CHECK_INTERVAL_S": "0.5"}).start()
    client = None
    try:
        event = create_event(server)
        client = await Client.connect(server, event.token())
        joined = await client.join("opening")
        key = topic_key(event.id, "session:opening")
        seq = joined["topics"]["session:opening"] + 1
        head, tail = frame_parts("session.updated", "session:opening", b'{"lost":true}')
        redis = aioredis.Redis.from_url(redis_server.url)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(Keys.seq(key))
            pipe.rpush(Keys.history(key), f"{head}{seq}{tail}")
            await pipe.execute()
        await redis.aclose()
        repaired = await client.event("session.updated", lambda d: d == {"lost": True})
        assert repaired["seq"] == seq and not client.seq_errors
        _, metrics = http("GET", f"{server.http}/metrics", raw=True)
        lines = metrics.decode().splitlines()
        repaired_total = next(x for x in lines if x.startswith("plenary_events_repaired_total"))
        assert float(repaired_total.split()[1]) >= 1  # (a presence event may follow it)
        assert "plenary_pubsub_reconnects_total 0.0" in lines
    finally:
        if client is not None:
            await client.close()
        server.stop()


async def test_every_counter_is_summed_over_workers(redis_server: RedisServer,
                                                    tmp_path: Path) -> None:
    """The README's recipe: uvicorn --workers with PROMETHEUS_MULTIPROC_DIR."""
    port = free_port()
    proc = _workers(port, redis_server.url, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        event = create_event(Server(port=port))
        clients = [await Client.connect(f"ws://127.0.0.1:{port}/ws", event.token("moderator"))
                   for _ in range(4)]  # over both workers
        for client in clients:
            await client.join("opening")
        await clients[0].call("session.update", {"session": "opening", "live": True})
        for client in clients:
            await client.event("session.updated")
        names = ["plenary_messages_delivered_total", "plenary_frames_sent_total",
                 "plenary_slow_clients_closed_total", "plenary_pubsub_reconnects_total",
                 "plenary_events_repaired_total", "plenary_commands_total"]
        deadline = time.monotonic() + 15
        while True:  # each worker adds its counts to the shared files every second
            _, raw = http("GET", f"{base}/metrics", raw=True)
            found = {n: _value(raw.decode(), n) for n in names}
            if all(v is not None for v in found.values()) and found[names[0]] >= 4:
                break
            assert time.monotonic() < deadline, found
            await asyncio.sleep(0.2)
        for client in clients:
            await client.close()
    finally:
        proc.terminate()
        proc.wait(15)


def _value(text: str, name: str) -> float | None:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name) and not line.startswith("#")]
    return sum(values) if values else None


def _workers(port: int, redis_url: str, metrics_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLENARY_SECRET": SECRET, "PLENARY_ADMIN_KEY": ADMIN_KEY,
           "REDIS_URL": redis_url, "PLENARY_REDIS_ACCEPT_DATA_LOSS": "1",
           "PLENARY_AGENDA_DIR": str(ROOT / "tests" / "no-agendas"),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "plenary.app:create_app", "--factory", "--app-dir",
         "server", "--workers", "2", "--port", str(port), "--loop", "asyncio"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc=proc)
    return proc


async def test_a_socket_is_closed_with_4401_when_its_token_expires() -> None:
    server = Server(env={"PLENARY_TOKEN_TTL_S": "2"}).start()
    try:
        event = create_event(server)
        status, joined = http("POST", f"{server.http}/api/events/{event.id}/join",
                              {"name": "Ana", "code": "code-attendee"})
        client = await Client.connect(server, joined["token"])
        await client.join("opening")
        code, reason = await client.wait_closed(timeout=15)
        assert (code, reason) == (4401, "token expired")
        status, renewed = http("POST", f"{server.http}/api/events/{event.id}/join",
                               {"name": "Ana", "code": "code-attendee",
                                "renew": joined["token"]})
        assert status == 200
        again = await Client.connect(server, renewed["token"])
        assert again.user["id"] == client.user["id"]  # the same person, votes and all
        await again.close()
        other = create_event(server)
        status, body = http("POST", f"{server.http}/api/events/{other.id}/join",
                            {"name": "Ana", "code": "code-attendee", "renew": joined["token"]})
        assert status == 401, body
    finally:
        server.stop()


async def test_json_logs_name_the_connection_user_and_command_never_the_token() -> None:
    server = Server(env={"PLENARY_LOG_FORMAT": "json"}).start()
    try:
        event = create_event(server)
        token = event.token()
        client = await Client.connect(server, token)
        await client.join("opening")
        await client.call("qa.ask", {"session": "opening", "text": "A secret question body"})
        await client.close()
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    hello = next(line for line in lines if line["message"].startswith("hello from"))
    assert hello["command"] == "hello" and hello["user"] == client.user["id"]
    assert hello["conn"] and hello["level"] == "INFO" and hello["logger"] == "plenary.gateway"
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # one format for all
    assert token not in server.output() and "A secret question body" not in server.output()
