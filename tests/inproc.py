"""Plenary in this process: the app's real gateway and services (embedded backend or Redis),
driven through ASGI queues instead of sockets, like Starlette's `TestClient.websocket_connect`.

`InProcServer` stands where `harness.Server` does: `harness.Client.connect(server, token)`
opens an in-process WebSocket on it, with the same `call`/`error`/`event` API. It starts in
milliseconds and needs no port, so a protocol test pays only for what it does. Its clock is a
`TravelClock`: real time that a test may jump forward (`server.clock.advance(60)`) to cross
a rate-limit window or fire a timer without waiting for it.

What it cannot show, and stays on real sockets (`harness.Server`): the transport (frame
limits, pings, origin handshakes, slow readers), several processes (`cluster`), Redis
outages, media, browsers.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
import shutil
import tempfile
import time
from typing import Any

import websockets

from harness import ADMIN_KEY, ROOT, SECRET, Event, event_def
from plenary.agenda import parse_event
from plenary.app import Plenary, create_app
from plenary.auth import issue_token
from plenary.messages import Role
from plenary.services import Services
from plenary.settings import Settings


class TravelClock:
    """The real clock plus an offset that only grows: `advance` jumps time forward and wakes
    every sleeper whose end has passed (a 60 s rate-limit window crossed in no time)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._moved = asyncio.Event()

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        end = self.monotonic() + seconds
        while (left := end - self.monotonic()) > 0:
            moved = self._moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), left)

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


class InProcSocket:
    """One WebSocket between a test's `Client` and the app, as two ASGI message queues."""

    def __init__(self, app: Plenary, headers: dict[str, str], max_size: int) -> None:
        self._app = app
        self._scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/ws",
            "raw_path": b"/ws", "query_string": b"", "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "subprotocols": [],
        }
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._to_client: asyncio.Queue[str | None] = asyncio.Queue()
        self._accepted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._max_size = max_size
        self._task: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.close_reason = ""

    async def open(self) -> InProcSocket:
        self._to_app.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.create_task(self._app(self._scope, self._to_app.get, self._send))
        self._task.add_done_callback(self._app_done)
        await self._accepted
        return self

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept" and not self._accepted.done():
            self._accepted.set_result(None)
        elif kind == "websocket.send":
            self._to_client.put_nowait(message.get("text") or message["bytes"].decode())
        elif kind == "websocket.close":
            self._closed(message.get("code", 1000), message.get("reason") or "")

    def _closed(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self._to_client.put_nowait(None)
        if not self._accepted.done():  # refused before the handshake: HTTP 403
            self._accepted.set_exception(ConnectionRefusedError(f"refused: {code}"))

    def _app_done(self, task: asyncio.Task[None]) -> None:
        self._closed(1006 if task.cancelled() or task.exception() else 1000, "")

    async def send(self, frame: str | bytes) -> None:
        if self.close_code is not None:
            raise websockets.ConnectionClosed(None, None)
        if len(frame) > self._max_size:  # what uvicorn's ws_max_size does
            self._to_app.put_nowait({"type": "websocket.disconnect", "code": 1009})
            self._closed(1009, "")
            return
        key = "text" if isinstance(frame, str) else "bytes"
        self._to_app.put_nowait({"type": "websocket.receive", key: frame})

    def __aiter__(self) -> InProcSocket:
        return self

    async def __anext__(self) -> str:
        frame = await self._to_client.get()
        if frame is None:
            self._to_client.put_nowait(None)  # every later read ends too
            raise StopAsyncIteration
        return frame

    async def close(self) -> None:
        if self.close_code is None:
            self._to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
            self._closed(1000, "")
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task


class InProcServer:
    """The app of one Plenary process, run inside the test's event loop."""

    def __init__(self, redis_url: str | None = None, env: dict[str, str] | None = None) -> None:
        self.redis_url = redis_url
        self.clock = TravelClock()
        environ = {"PLENARY_SECRET": SECRET, "PLENARY_ADMIN_KEY": ADMIN_KEY,
                   "PLENARY_AGENDA_DIR": str(ROOT / "tests" / "no-agendas"),
                   "PLENARY_PRESENCE_INTERVAL_S": "0.1",
                   "PLENARY_REDIS_ACCEPT_DATA_LOSS": "1",  # as harness.Server: a test Redis
                   **(env or {})}
        if redis_url:
            environ["REDIS_URL"] = redis_url
            environ.setdefault("PLENARY_REDIS_ACCEPT_DATA_LOSS", "1")  # as harness.Server
        self._data: str | None = None
        if not redis_url and "PLENARY_DATA" not in environ:
            # the embedded backend, on SQLite in a folder of its own (as harness.Server)
            self._data = environ["PLENARY_DATA"] = tempfile.mkdtemp(prefix="plenary-data-")
        self.settings = Settings.from_env(environ)
        self.app = create_app(self.settings, clock=self.clock)
        self.services: Services = self.app.state.services
        self._lifespan: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def start(self) -> InProcServer:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan = asyncio.create_task(self.app.http(scope, self._to_app.get,
                                                           self._from_app.put))
        await self._step("startup")
        return self

    async def stop(self) -> None:
        if self._lifespan is not None:
            await self._step("shutdown")
            await self._lifespan
            self._lifespan = None
        if self._data is not None:
            shutil.rmtree(self._data, ignore_errors=True)

    async def _step(self, what: str) -> None:
        self._to_app.put_nowait({"type": f"lifespan.{what}"})
        reply = await self._from_app.get()
        assert reply["type"] == f"lifespan.{what}.complete", reply

    @property
    def http(self) -> str:
        raise AttributeError("an in-process server has no HTTP address: a test that needs "
                             "the HTTP API takes `socket_event` (a real process)")

    async def open_socket(self, origin: str | None = None) -> InProcSocket:
        headers = {"host": "plenary.test", **({"origin": origin} if origin else {})}
        return await InProcSocket(self.app, headers, self.settings.max_frame_bytes).open()


@dataclasses.dataclass
class InProcEvent(Event):
    """An event on an in-process server; tokens are issued as `POST …/join` issues them."""

    server: InProcServer  # type: ignore[assignment]

    def token(self, role: str = "attendee", name: str | None = None) -> str:
        return issue_token(SECRET, event=self.id, name=name or f"{role}-{secrets.token_hex(2)}",
                           role=Role[role], ttl_s=self.server.settings.token_ttl_s)


async def create_event(server: InProcServer, **kwargs: Any) -> InProcEvent:
    definition = event_def(**kwargs)
    await server.services.events.put(parse_event(definition))
    return InProcEvent(server, definition["id"], definition)  # type: ignore[arg-type]
