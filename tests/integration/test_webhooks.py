"""Webhooks against a real HTTP receiver started here: each delivery is signed (HMAC over
timestamp and body, checked independently), carries the right data, and is retried with
back-off until it succeeds or gives up; the organisers' API shows each delivery's status."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from harness import ADMIN_KEY, Client, Event, RedisServer, Server, create_event, free_port, http

BACKOFF_S = 0.3
ATTEMPTS = 3


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Answers 200 on /ok, 500 twice then 200 on /flaky, 503 always on /down."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.changed = threading.Condition()
        self.flaky_left = 2
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.changed:
                    receiver.received.append(Received(self.path, dict(self.headers.items()),
                                                      body, time.time()))
                    receiver.changed.notify_all()
                self.send_response(receiver.status(self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def status(self, path: str) -> int:
        if path.startswith("/down"):
            return 503
        if path.startswith("/flaky"):
            with self.changed:
                self.flaky_left -= 1
                return 500 if self.flaky_left >= 0 else 200
        return 200

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def wait(self, path: str, kind: str, count: int = 1,
                   timeout: float = 15) -> list[Received]:
        """The first `count` deliveries of `kind` to `path`, waiting for them to arrive."""

        def matching() -> list[Received]:
            return [r for r in self.received
                    if r.path == path and r.headers.get("Plenary-Event-Type") == kind]

        def block() -> list[Received]:
            with self.changed:
                self.changed.wait_for(lambda: len(matching()) >= count, timeout)
                return matching()

        found = await asyncio.to_thread(block)
        assert len(found) >= count, f"{len(found)} {kind} to {path}: {self.received}"
        return found[:count]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """Overrides the root `server`: webhooks to plain http (the local receiver), fast retries."""
    redis_url = None
    if request.param == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis_url = redis.url
    srv = Server(redis_url, env={"PLENARY_WEBHOOK_ALLOW_HTTP": "1",
                                 "PLENARY_WEBHOOK_BACKOFF_S": str(BACKOFF_S),
                                 "PLENARY_WEBHOOK_ATTEMPTS": str(ATTEMPTS)}).start()
    yield srv
    srv.stop()


def hook(event: Event, url: str, kinds: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url}
    if kinds is not None:
        body["kinds"] = kinds
    status, created = http("POST", f"{event.server.http}/api/events/{event.id}/webhooks", body,
                           token=ADMIN_KEY)
    assert status == 201, created
    return dict(created)


def check_signature(delivery: Received, secret: str) -> None:
    parts = dict(p.split("=", 1) for p in delivery.headers["Plenary-Signature"].split(","))
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + delivery.body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], mac.hexdigest())
    assert abs(time.time() - int(parts["t"])) < 60


async def test_deliveries_are_signed_and_say_what_happened(server: Server,
                                                           receiver: Receiver) -> None:
    event = create_event(server)
    path = f"/ok/{event.id}"
    created = hook(event, receiver.url(path))
    moderator = await Client.connect(server, event.token("moderator"))
    attendee = await Client.connect(server, event.token("attendee", "Ana"))
    await moderator.join("open-floor")
    await attendee.join("open-floor")

    await moderator.call("session.update", {"session": "open-floor", "live": True})
    started = (await receiver.wait(path, "session.started"))[0]
    check_signature(started, created["secret"])
    assert started.json["event"] == event.id and started.json["type"] == "session.started"
    assert started.json["data"]["session"]["id"] == "open-floor"
    assert started.headers["Plenary-Delivery"] == started.json["id"]

    asked = (await attendee.call("qa.ask", {"session": "open-floor", "text": "Recorded?"}))
    await moderator.call("qa.moderate", {"question": asked["question"]["id"], "action": "answer",
                                         "answer": "Yes, online tomorrow."})
    answered = (await receiver.wait(path, "question.answered"))[0]
    check_signature(answered, created["secret"])
    assert answered.json["data"]["question"]["text"] == "Recorded?"

    # A poll's results go out as attendees see them; a threshold not met withholds them.
    for title, minimum in (("Coffee?", 0), ("Secret ballot", 5)):
        poll = (await moderator.call("poll.create", {
            "session": "open-floor", "title": title, "kind": "single",
            "options": ["Yes", "No"], "min_responses": minimum}))["poll"]
        await moderator.call("poll.open", {"poll": poll["id"]})
        await attendee.call("poll.vote", {"poll": poll["id"], "choices": [0]})
        await moderator.call("poll.close", {"poll": poll["id"]})
    closed = await receiver.wait(path, "poll.closed", 2)
    outcome = {d.json["data"]["poll"]: d.json["data"] for d in closed}
    assert len(outcome) == 2  # each poll once, though its final results may go out twice
    public, withheld = sorted(outcome.values(), key=lambda d: d["withheld"])
    assert public["results"]["votes"] == 1 and public["results"]["tally"] == [1, 0]
    assert withheld["withheld"] is True and withheld["results"] is None

    await moderator.call("session.update", {"session": "open-floor", "live": False})
    ended = (await receiver.wait(path, "session.ended"))[0]
    ready = (await receiver.wait(path, "report.ready"))[0]
    check_signature(ended, created["secret"])
    assert ready.json["data"]["session"]["id"] == "open-floor"
    ids = [r.headers["Plenary-Delivery"] for r in receiver.received if r.path == path]
    assert len(ids) == len(set(ids))
    for c in (moderator, attendee):
        await c.close()


async def test_failed_deliveries_are_retried_with_back_off(server: Server,
                                                          receiver: Receiver) -> None:
    event = create_event(server)
    receiver.flaky_left = 2
    flaky = hook(event, receiver.url(f"/flaky/{event.id}"), ["session.started"])
    hook(event, receiver.url(f"/down/{event.id}"), ["session.started"])
    moderator = await Client.connect(server, event.token("moderator"))
    await moderator.join("opening")
    await moderator.call("session.update", {"session": "opening", "live": True})

    tries = await receiver.wait(f"/flaky/{event.id}", "session.started", ATTEMPTS)
    assert len({t.headers["Plenary-Delivery"] for t in tries}) == 1  # one delivery, retried
    gaps = [b.at - a.at for a, b in itertools.pairwise(tries)]
    assert gaps[0] >= BACKOFF_S * 0.9 and gaps[1] >= 2 * BACKOFF_S * 0.9, gaps
    for t in tries:
        check_signature(t, flaky["secret"])  # each try signed afresh
    await receiver.wait(f"/down/{event.id}", "session.started", ATTEMPTS)

    async def settled() -> dict[str, dict[str, Any]]:
        while True:
            listed = http("GET", f"{server.http}/api/events/{event.id}/webhooks",
                          token=ADMIN_KEY)[1]
            by_hook = {d["endpoint"]: d for d in listed["deliveries"]}
            if len(by_hook) == 2 and all(d["status"] in ("delivered", "failed")
                                         for d in by_hook.values()):
                return by_hook
            await asyncio.sleep(0.05)  # polling an HTTP status page: no event to await

    deliveries = await asyncio.wait_for(settled(), 15)
    good = deliveries[flaky["id"]]
    assert good["status"] == "delivered" and good["attempts"] == ATTEMPTS
    assert good["last_code"] == 200
    bad = next(d for k, d in deliveries.items() if k != flaky["id"])
    assert bad["status"] == "failed" and bad["attempts"] == ATTEMPTS and bad["last_code"] == 503
    assert len([r for r in receiver.received if r.path == f"/down/{event.id}"]) == ATTEMPTS
    await moderator.close()


def test_the_webhooks_api_checks_what_it_is_given(server: Server, receiver: Receiver) -> None:
    event = create_event(server)
    url = f"{server.http}/api/events/{event.id}/webhooks"
    assert http("POST", url, {"url": receiver.url("/ok")})[0] == 401
    assert http("POST", url, {"url": "ftp://example.org/x"}, token=ADMIN_KEY)[0] == 400
    assert http("POST", url, {"url": receiver.url("/ok"), "kinds": ["poll.opened"]},
                token=ADMIN_KEY)[0] == 400
    created = hook(event, receiver.url("/ok"), ["poll.closed"])
    assert created["secret"].startswith("whsec_")
    listed = http("GET", url, token=ADMIN_KEY)[1]
    assert listed["webhooks"] == [{"id": created["id"], "url": receiver.url("/ok"),
                                   "kinds": ["poll.closed"],
                                   "created_at": listed["webhooks"][0]["created_at"]}]
    assert "secret" not in listed["webhooks"][0]
    assert http("DELETE", f"{url}/{created['id']}", token=ADMIN_KEY)[0] == 204
    assert http("DELETE", f"{url}/{created['id']}", token=ADMIN_KEY)[0] == 404
    assert http("GET", f"{server.http}/api/events/nope/webhooks", token=ADMIN_KEY)[0] == 404
