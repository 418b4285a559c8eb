"""Real parts for tests: a private redis-server, Plenary under real uvicorn processes on real
sockets, and a protocol client that awaits replies and events (no sleeps).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-secret-" + "x" * 24
ADMIN_KEY = "test-admin-key"
CODES = {"attendee": "code-attendee", "speaker": "code-speaker", "moderator": "code-moderator",
         "captioner": "code-captioner", "interpreter": "code-interpreter"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0,
              proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


# -- Redis ---------------------------------------------------------------------------------------
class RedisServer:
    """A private redis-server on a free port, which tests may stop and start again."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run .ci/run (it installs it)")
        self.binary = binary
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="plenary-redis-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.persist = False  # an append-only file, so that a restart keeps the data

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.persist else "no", "--appendfsync", "always",
             "--dir", self.dir, "--maxclients", "10000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def kill(self) -> None:
        """SIGKILL: Redis keeps only what its append-only file already holds."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(100)


# -- Plenary servers -------------------------------------------------------------------------------
# The WebSocket transport the servers run on: Plenary's own (`plenary`, the default) or
# uvicorn's with plain ASGI sends (`asgi`); PLENARY_TEST_TRANSPORT picks it for a whole run.
TRANSPORT = os.environ.get("PLENARY_TEST_TRANSPORT", "plenary")


class Server:
    """One Plenary process: `python -m plenary` under uvicorn, on a real socket."""

    def __init__(self, redis_url: str | None = None, port: int | None = None,
                 env: dict[str, str] | None = None, transport: str | None = None) -> None:
        self.port = port or free_port()
        self.redis_url = redis_url
        self.transport = transport or TRANSPORT
        self.extra_env = {"PLENARY_WS_TRANSPORT": self.transport, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        fd, self.log_path = tempfile.mkstemp(prefix="plenary-server-", suffix=".log")
        os.close(fd)
        # The embedded backend's SQLite folder: the server's own, kept across restarts of
        # this Server (a durability test restarts it), unless the test names one.
        self.data_dir = self.extra_env.get("PLENARY_DATA") or tempfile.mkdtemp(
            prefix="plenary-data-")

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> Server:
        env = {**os.environ, "PLENARY_SECRET": SECRET, "PLENARY_ADMIN_KEY": ADMIN_KEY,
               "HOST": "127.0.0.1", "PORT": str(self.port),
               "PLENARY_AGENDA_DIR": str(ROOT / "tests" / "no-agendas"),
               "PLENARY_DATA": self.data_dir, "PYTHONUNBUFFERED": "1",
               # The shared test Redis keeps no append-only file (speed): accepted here;
               # tests/integration/test_durability_redis.py runs the refusal and real AOF.
               "PLENARY_REDIS_ACCEPT_DATA_LOSS": "1", **self.extra_env}
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "plenary"], env=env, cwd=ROOT,
                                         stdout=log, stderr=subprocess.STDOUT)
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was not on disk is gone."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def output(self) -> str:
        return Path(self.log_path).read_text(errors="replace")


def http(method: str, url: str, body: Any = None, token: str | None = None,
         raw: bool = False, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        status = exc.code
    if raw:
        return status, payload
    return status, json.loads(payload) if payload else None


# -- events ----------------------------------------------------------------------------------------
def event_def(event_id: str | None = None, sessions: list[dict[str, Any]] | None = None,
              **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id or "ev-" + secrets.token_hex(4),
        "title": "Test conference",
        "codes": dict(CODES),
        "sessions": sessions or [
            {"id": "opening", "title": "Opening", "qa_moderated": True},
            {"id": "open-floor", "title": "Open floor", "qa_moderated": False},
        ],
        **extra,
    }


@dataclass
class Event:
    """An event on a running server, with a way to get a token per person."""

    server: Server
    id: str
    definition: dict[str, Any]

    def token(self, role: str = "attendee", name: str | None = None) -> str:
        status, body = http("POST", f"{self.server.http}/api/events/{self.id}/join",
                            {"name": name or f"{role}-{secrets.token_hex(2)}",
                             "code": CODES[role]})
        assert status == 200, body
        return str(body["token"])


def create_event(server: Server, **kwargs: Any) -> Event:
    definition = event_def(**kwargs)
    status, body = http("PUT", f"{server.http}/api/events/{definition['id']}", definition,
                        token=ADMIN_KEY)
    assert status in (200, 201), body
    return Event(server, definition["id"], definition)


# -- the protocol client ---------------------------------------------------------------------------
class CommandFailed(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.error = error


@dataclass
class Client:
    """A WebSocket client of the protocol: `call` awaits the reply, `event` the next event."""

    ws: Any
    replies: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0
    seqs: dict[str, int] = field(default_factory=dict)
    _next_id: int = 1
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    closed: asyncio.Future[tuple[int | None, str]] | None = None
    user: dict[str, Any] = field(default_factory=dict)
    seq_errors: list[str] = field(default_factory=list)  # gaps or duplicates seen

    @classmethod
    async def connect(cls, server: Server | str, token: str | None = None, *,
                      resume: dict[str, Any] | None = None, mode: str | None = None,
                      origin: str | None = None, **kwargs: Any) -> Client:
        ws: Any
        if hasattr(server, "open_socket"):  # tests/inproc.py: the app in this process
            ws = await server.open_socket(origin)
        else:
            url = server if isinstance(server, str) else server.ws
            headers = {"Origin": origin} if origin else None
            ws = await websockets.connect(url, additional_headers=headers, max_size=2**22,
                                          compression=None, **kwargs)
        client = cls(ws)
        client.closed = asyncio.get_running_loop().create_future()
        client._reader = asyncio.create_task(client._read())
        if token is not None:
            data: dict[str, Any] = {"token": token}
            if resume:
                data["resume"] = resume
            if mode:
                data["mode"] = mode
            client.hello = await client.call("hello", data)
            client.user = client.hello["user"]
        return client

    async def _read(self) -> None:
        assert self.closed is not None
        try:
            async for frame in self.ws:
                self.frames += 1
                message = json.loads(frame)
                for item in message if isinstance(message, list) else [message]:
                    self._take(item)
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result((self.ws.close_code, self.ws.close_reason or ""))
            for future in self.replies.values():
                if not future.done():
                    future.set_exception(ConnectionError("closed"))
            self._arrived.set()

    def _take(self, item: dict[str, Any]) -> None:
        if item.get("type") in ("ok", "error") and item.get("id") in self.replies:
            data = item.get("data")
            if isinstance(data, dict) and isinstance(data.get("topics"), dict):
                # A snapshot's seqs, taken here in frame order: the events after it may share
                # its frame and be read before the awaiting `join` resumes.
                self.seqs.update(data["topics"])
            future = self.replies.pop(item["id"])
            if not future.done():
                future.set_result(item)
            return
        topic, seq = item.get("topic"), item.get("seq")
        if topic is not None and seq is not None:
            last = self.seqs.get(topic)
            if last is not None and seq != last + 1:
                self.seq_errors.append(f"{topic}: seq {seq} after {last}")
            self.seqs[topic] = seq
        self.events.append(item)
        self._arrived.set()

    async def send_raw(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def request(self, kind: str, data: Any = None, timeout: float = 10,
                      key: str | None = None) -> dict[str, Any]:
        """Send a command (with an idempotency `key`, if given); return its `ok` or `error`
        message as it came."""
        command_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[command_id] = future
        message: dict[str, Any] = {"id": command_id, "type": kind}
        if data is not None:
            message["data"] = data
        if key is not None:
            message["key"] = key
        await self.ws.send(json.dumps(message))
        return await asyncio.wait_for(future, timeout)

    async def call(self, kind: str, data: Any = None, timeout: float = 10,
                   key: str | None = None) -> Any:
        """Send a command; return the `ok` data or raise CommandFailed."""
        reply = await self.request(kind, data, timeout, key)
        if reply["type"] == "error":
            raise CommandFailed(reply["error"])
        return reply["data"]

    async def error(self, kind: str, data: Any = None) -> str:
        """Send a command that must fail; return its error code."""
        reply = await self.request(kind, data)
        assert reply["type"] == "error", f"{kind} should have failed: {reply}"
        return str(reply["error"]["code"])

    async def join(self, session: str, mode: str = "remote") -> dict[str, Any]:
        snapshot = await self.call("session.join", {"session": session, "mode": mode})
        # Its seqs were taken as the reply arrived (`_take`), before the events after it.
        return snapshot  # type: ignore[no-any-return]

    async def event(self, kind: str, where: Any = None, timeout: float = 10) -> dict[str, Any]:
        """The first event of `kind` (matching `where(data)`) not yet taken; it is taken."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for i, item in enumerate(self.events):
                if item.get("type") == kind and (where is None or where(item.get("data"))):
                    del self.events[i]
                    return item
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or (self.closed is not None and self.closed.done()):
                raise TimeoutError(f"no {kind} event; have {[e.get('type') for e in self.events]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def has(self, kind: str, where: Any = None) -> bool:
        return any(e.get("type") == kind and (where is None or where(e.get("data")))
                   for e in self.events)

    async def wait_closed(self, timeout: float = 15) -> tuple[int | None, str]:
        assert self.closed is not None
        return await asyncio.wait_for(asyncio.shield(self.closed), timeout)

    async def close(self) -> None:
        """Close; fails the test if any topic's seq ever skipped or repeated."""
        await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader
        assert not self.seq_errors, self.seq_errors


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    try:
        for server in servers:
            server.start()
        yield
    finally:
        for server in servers:
            server.stop()
