"""Redis Sentinel: a real primary, a replica and three sentinels on loopback ports. The
primary is SIGKILLed during a vote storm of 200 clients on two Plenary processes; the
sentinels promote the replica, every process reconnects to it, resubscribes and resyncs,
and no acknowledged ballot is lost (votes wait for the replica: WAIT)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import Client, Server, create_event, free_port, http, wait_port

MASTER = "plenary"
VOTERS = 200
SESSION = "opening"


def _command(port: int, *words: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(("*%d\r\n" % len(words) + "".join(
            f"${len(w)}\r\n{w}\r\n" for w in words)).encode())
        return s.recv(65536).decode(errors="replace")


class Replicated:
    """redis-server primary + replica (both with an append-only file) and three sentinels."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="plenary-sentinel-"))
        self.binary = shutil.which("redis-server") or "redis-server"
        self.primary, self.replica = free_port(), free_port()
        self.sentinels = [free_port() for _ in range(3)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        self._redis(self.primary)
        self._redis(self.replica, "--replicaof", "127.0.0.1", str(self.primary))
        _until(lambda: "master_link_status:up" in _command(self.replica, "INFO", "replication"))
        for port in self.sentinels:
            conf = self.dir / f"sentinel-{port}.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {self.dir}\n"
                            f"sentinel monitor {MASTER} 127.0.0.1 {self.primary} 2\n"
                            f"sentinel down-after-milliseconds {MASTER} 1000\n"
                            f"sentinel failover-timeout {MASTER} 4000\n")
            self._start(port, [self.binary, str(conf), "--sentinel"])
        for port in self.sentinels:  # they must know each other to agree on a failover
            _until(lambda p=port: _command(p, "SENTINEL", "SENTINELS", MASTER).count("ip") >= 2,
                   timeout=30)

    def _redis(self, port: int, *extra: str) -> None:
        data = self.dir / str(port)
        data.mkdir(exist_ok=True)
        self._start(port, [self.binary, "--port", str(port), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                           "--dir", str(data), "--maxclients", "10000", *extra])

    def _start(self, port: int, argv: list[str]) -> None:
        self.procs[port] = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        wait_port(port, proc=self.procs[port])

    def kill(self, port: int) -> None:
        self.procs[port].kill()
        self.procs[port].wait()

    def current_primary(self) -> int:
        reply = _command(self.sentinels[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
        return int(reply.split("\r\n")[-2])

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _until(predicate: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


@pytest.fixture
def replicated() -> Iterator[Replicated]:
    setup = Replicated()
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()


async def _vote_until_counted(client: Client, poll: str, key: str, acked: set[str],
                              first: asyncio.Event, failed: list[float]) -> None:
    """Vote once; after an `unavailable` (the failover), retry with the same key."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply = await client.request("poll.vote", {"poll": poll, "choices": [1]}, key=key,
                                     timeout=30)
        if reply["type"] == "ok" or reply["error"]["code"] == "already_voted":
            if reply["type"] == "ok":
                acked.add(client.user["id"])
            first.set()
            return
        failed.append(time.monotonic())
        await asyncio.sleep(0.2)  # back-off, as the browser client does
    raise AssertionError(f"a vote never got through after the failover: {reply}")


async def test_failover_under_a_vote_storm_loses_no_acknowledged_ballot(
        replicated: Replicated) -> None:
    env = {"PLENARY_REDIS_SENTINELS": ",".join(f"127.0.0.1:{p}" for p in replicated.sentinels),
           "PLENARY_REDIS_MASTER": MASTER, "PLENARY_REDIS_ACCEPT_DATA_LOSS": "0",
           "PLENARY_VOTE_LIMIT_PER_MIN": "1000"}
    servers = [Server(env=env).start(), Server(env=env).start()]
    clients: list[Client] = []
    try:
        event = create_event(servers[0])
        mod_token = event.token("moderator", "Mod")
        mod = await Client.connect(servers[0], mod_token)
        await mod.join(SESSION)
        data = {"session": SESSION, "title": "Through a failover?", "kind": "single",
                "options": ["No", "Yes"], "anonymous": False}
        poll = (await mod.call("poll.create", data))["poll"]
        await mod.call("poll.open", {"poll": poll["id"]})
        tokens = [event.token("attendee", f"Voter {i}") for i in range(VOTERS)]
        for start in range(0, VOTERS, 50):
            clients += await asyncio.gather(*[
                _member(servers[i % 2], tokens[i]) for i in range(start, start + 50)])
        acked: set[str] = set()
        first, failed = asyncio.Event(), []
        votes = [asyncio.create_task(_vote_until_counted(c, poll["id"], f"vote-{i}", acked,
                                                         first, failed))
                 for i, c in enumerate(clients)]
        await first.wait()
        old = replicated.current_primary()
        replicated.kill(old)  # SIGKILL the primary in the middle of the storm
        killed_at, at_kill = time.monotonic(), len(acked)
        await asyncio.gather(*votes)
        recovered = max(failed) - killed_at if failed else 0.0
        assert replicated.current_primary() == replicated.replica
        # The moderator's process reconnected to the promoted replica and resynced.
        await mod.call("session.update", {"session": SESSION, "live": True})
        await mod.event("session.updated", timeout=30)
        url = f"{servers[1].http}/api/events/{event.id}/sessions/{SESSION}/report?format=json"
        status, report = http("GET", url, token=mod_token)
        assert status == 200, report
        stored = {b["user"] for b in report["polls"][0]["ballots"]}
        assert acked <= stored, f"{len(acked - stored)} acknowledged ballots lost"
        assert len(stored) == VOTERS  # every voter counted once, after retries
        for server in servers:
            _, raw = http("GET", f"{server.http}/metrics", raw=True)
            line = next(x for x in raw.decode().splitlines()
                        if x.startswith("plenary_pubsub_reconnects_total"))
            assert float(line.split()[1]) >= 1
        print(f"\nSentinel failover after {at_kill} acks: {len(acked)} acknowledged, "
              f"{len(stored)} stored, 0 lost; {len(failed)} votes answered unavailable and "
              f"retried; writes accepted again {recovered:.2f} s after the kill")
        await mod.close()
    finally:
        await asyncio.gather(*[c.close() for c in clients], return_exceptions=True)
        for server in servers:
            server.stop()


async def _member(server: Server, token: str) -> Client:
    client = await Client.connect(server, token)
    await client.join(SESSION)
    return client
