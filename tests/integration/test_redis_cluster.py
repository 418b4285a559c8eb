"""Redis Cluster: a real local cluster of three primaries, started here. Every key of an
event is in one slot, a topic's events go over sharded pub/sub (SPUBLISH to the owning
shard, SSUBSCRIBE there), and the two-process tests of test_cluster.py pass on it."""

from __future__ import annotations

import importlib.util
import inspect
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import Client, Server, create_event, free_port, wait_port
from plenary.backends.base import topic_key
from plenary.backends.redis import Keys


def _command(port: int, *words: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(("*%d\r\n" % len(words) + "".join(
            f"${len(w)}\r\n{w}\r\n" for w in words)).encode())
        return s.recv(65536).decode(errors="replace")


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is a free port too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


class LocalCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="plenary-cluster-"))
        self.ports = [_cluster_port() for _ in range(3)]
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self) -> None:
        binary = shutil.which("redis-server") or "redis-server"
        for port in self.ports:
            data = self.dir / str(port)
            data.mkdir()
            proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--cluster-enabled", "yes", "--dir", str(data),
                 "--cluster-config-file", "nodes.conf", "--maxclients", "10000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(proc)
            wait_port(port, proc=proc)
        subprocess.run(["redis-cli", "--cluster", "create",
                        *[f"127.0.0.1:{p}" for p in self.ports], "--cluster-replicas", "0",
                        "--cluster-yes"], check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 30
        while not all("cluster_state:ok" in _command(p, "CLUSTER", "INFO") for p in self.ports):
            assert time.monotonic() < deadline, "the cluster never became ok"
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[LocalCluster]:
    local = LocalCluster()
    try:
        local.start()
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def cluster(redis_cluster: LocalCluster) -> Iterator[tuple[Server, Server]]:
    """Overrides the root `cluster`: two processes on the Redis Cluster."""
    a, b = Server(redis_cluster.url).start(), Server(redis_cluster.url).start()
    yield a, b
    a.stop()
    b.stop()


# Every test that runs on two processes (the `cluster` fixture), collected again here with
# the fixture above: the same tests pass on Redis Cluster.
TESTS = Path(__file__).parents[1]
TWO_PROCESS = ["integration/test_cluster.py", "integration/test_surveys.py",
               "protocol/test_polls.py", "protocol/test_qa.py", "protocol/test_breakouts.py"]
for _path in TWO_PROCESS:
    _spec = importlib.util.spec_from_file_location(f"_two_{Path(_path).stem}", TESTS / _path)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test) \
                and set(inspect.signature(_test).parameters) <= {"cluster", "tmp_path"}:
            globals()[_name] = _test


async def test_a_topic_goes_over_sharded_pubsub_on_the_shard_of_its_event(
        cluster: tuple[Server, Server], redis_cluster: LocalCluster) -> None:
    a, _ = cluster
    event = create_event(a)
    client = await Client.connect(a, event.token())
    await client.join("opening")
    channel = Keys.channel(topic_key(event.id, "session:opening"))
    subscribed = {port: _command(port, "PUBSUB", "SHARDNUMSUB", channel)
                  for port in redis_cluster.ports}
    owners = [port for port, reply in subscribed.items() if reply.endswith(":1\r\n")]
    assert len(owners) == 1, subscribed  # on exactly one shard
    assert all(_command(p, "PUBSUB", "NUMSUB", channel).endswith(":0\r\n")
               for p in redis_cluster.ports)  # and never over classic pub/sub
    await client.close()
