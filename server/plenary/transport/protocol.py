"""Plenary's WebSocket protocol for uvicorn (`ws=PlenaryWebSocket`, `--ws plenary.transport:
PlenaryWebSocket`): the `websockets` library's sans-I/O `ServerProtocol` on an asyncio
transport, serving the ASGI app as uvicorn's own protocols do (HTTP and routing unchanged).

What it adds is the `plenary.direct` scope extension: a `Channel` through which the fan-out
writes frames it built once for many recipients straight to the transport, skipping the
per-recipient ASGI message, coroutine and framing. The channel honours the transport's flow
control: past its high-water mark it is `paused`, and the fan-out holds that connection's
messages (bounded, then 1013) until `drained`.

Deliberately left out: permessage-deflate (compressing costs more CPU than fan-out saves in
bytes, and compressed frames could not be shared) and the `websocket.http.response`
extension, which Plenary does not use.
"""

from __future__ import annotations

import asyncio
import logging
import os
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

DIRECT = "plenary.direct"  # the scope extension: {"channel": <the protocol, a Channel>}
CLOSE_TIMEOUT_S = 10.0  # how long a close frame waits for the peer's before the socket goes

log = logging.getLogger("uvicorn.error")


class ClientDisconnected(OSError):
    """`send` after the client went away (ASGI: an OSError)."""


class PlenaryWebSocket(asyncio.Protocol):
    __slots__ = ("app", "asgi_version", "client", "close_sent", "close_timer", "config",
                 "conn", "connections", "default_headers", "disconnected", "drain_waiter",
                 "frames", "gone", "inbox", "loop", "paused", "ping_payload", "ping_timer",
                 "read_paused", "receiving", "request", "response", "root_path", "scope",
                 "server_state", "state", "tasks", "text", "transport", "waiter", "writable")

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if not config.loaded:
            config.load()
        self.config = config
        self.app = config.loaded_app
        self.loop = _loop or asyncio.get_event_loop()
        self.root_path: str = config.root_path
        self.asgi_version: str = config.asgi_version
        self.state = app_state
        self.connections: set[Any] = server_state.connections
        self.tasks: set[asyncio.Task[None]] = server_state.tasks
        self.default_headers: list[tuple[bytes, bytes]] = server_state.default_headers
        self.transport: asyncio.Transport = cast(asyncio.Transport, None)
        self.client: tuple[str, int] | None = None
        self.conn = ServerProtocol(max_size=config.ws_max_size, logger=log)
        self.request: Request | None = None
        self.response: Any = None
        self.scope: dict[str, Any] = {}
        self.inbox: list[dict[str, Any]] = []  # ASGI receive events not yet taken
        self.waiter: asyncio.Future[None] | None = None
        self.receiving = False  # a message is being assembled from fragments
        self.text = False
        self.frames: list[bytes] = []
        self.read_paused = False
        self.paused = False  # the transport's buffer is over its high-water mark
        self.writable = False  # accepted, and neither side said close: frames may go out
        self.drain_waiter: asyncio.Future[None] | None = None
        self.close_sent = False
        self.close_timer: asyncio.TimerHandle | None = None
        self.gone = False  # the app was told `websocket.disconnect`
        self.disconnected = False  # the socket is closed
        self.ping_timer: asyncio.TimerHandle | None = None
        self.ping_payload: bytes | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.connections.add(self)
        peer = transport.get_extra_info("peername")
        self.client = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) else None

    def data_received(self, data: bytes) -> None:
        self.conn.receive_data(data)
        for event in self.conn.events_received():
            if isinstance(event, Request):
                self._handshake(event)
            elif isinstance(event, Frame):
                self._frame(event)
        self._write_pending()
        if self.conn.parser_exc is not None:  # a protocol error: the library sent a close
            self.writable = False
            sent = self.conn.close_sent
            self._tell_app(sent.code if sent else 1002, sent.reason if sent else "")
            self.close_sent = True

    def eof_received(self) -> None:
        self.conn.receive_eof()
        self._write_pending()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disconnected = True
        self.writable = False
        self.connections.discard(self)
        for timer in (self.ping_timer, self.close_timer):
            if timer is not None:
                timer.cancel()
        received = self.conn.close_rcvd
        self._tell_app(received.code if received else 1006, received.reason if received else "")
        self._wake_drain()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._wake_drain()

    def shutdown(self) -> None:
        """uvicorn is stopping: 1012 (service restart) to an open connection."""
        if self.writable:
            self.writable = False
            self._tell_app(1012, "")
            self.conn.send_close(1012)
            self._write_pending()
            self.close_sent = True
        self.transport.close()

    # -- incoming -----------------------------------------------------------------------------
    def _handshake(self, request: Request) -> None:
        self.request = request
        self.response = self.conn.accept(request)
        if self.response.status_code != 101:  # not a valid WebSocket request
            self.conn.send_response(self.response)
            self._write_pending()
            self.transport.close()
            return
        path, _, query = request.path.partition("?")
        self.scope = {
            "type": "websocket",
            "asgi": {"version": self.asgi_version, "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "wss" if self.transport.get_extra_info("sslcontext") else "ws",
            "server": _address(self.transport.get_extra_info("sockname")),
            "client": self.client,
            "root_path": self.root_path,
            "path": self.root_path + unquote(path),
            "raw_path": (self.root_path + path).encode("ascii"),
            "query_string": query.encode("ascii"),
            "headers": [(k.lower().encode("ascii"), v.encode("latin-1"))
                        for k, v in request.headers.raw_items()],
            "subprotocols": [p.strip() for h in request.headers.get_all("Sec-WebSocket-Protocol")
                             for p in h.split(",")],
            "state": self.state.copy(),
            "extensions": {DIRECT: {"channel": self}},
        }
        self._put({"type": "websocket.connect"})
        task = self.loop.create_task(self._run_app())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            self.text, self.frames = opcode is Opcode.TEXT, [bytes(frame.data)]
        elif opcode is Opcode.CONT:
            self.frames.append(bytes(frame.data))
        elif opcode is Opcode.PONG:
            self._pong(bytes(frame.data))
            return
        elif opcode is Opcode.CLOSE:  # the library answers it; nothing may follow
            self.writable = False
            received = self.conn.close_rcvd
            self._tell_app(received.code if received else 1005,
                           received.reason if received else "")
            return
        else:
            return  # PING: the library queued the pong already
        if frame.fin:
            self._message()

    def _message(self) -> None:
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return  # the app said close: read on only for the peer's close frame
        if self.text:
            try:
                self._put({"type": "websocket.receive", "text": data.decode()})
            except UnicodeDecodeError:
                self._fail(1007, "invalid UTF-8")
                return
        else:
            self._put({"type": "websocket.receive", "bytes": data})
        if not self.read_paused:  # one message at a time: TCP pushes back on a flood
            self.read_paused = True
            self.transport.pause_reading()

    def _put(self, message: dict[str, Any]) -> None:
        self.inbox.append(message)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _tell_app(self, code: int, reason: str) -> None:
        if not self.gone:
            self.gone = True
            self._put({"type": "websocket.disconnect", "code": code, "reason": reason})

    # -- the ASGI app ---------------------------------------------------------------------------
    async def _run_app(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            log.exception("Exception in ASGI application")
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR)
        else:
            if self.conn.state is State.CONNECTING:
                log.error("ASGI callable returned without completing handshake.")
                self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR)
        if self.close_timer is None:
            self.transport.close()

    async def receive(self) -> dict[str, Any]:
        while not self.inbox:
            self.waiter = self.loop.create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        message = self.inbox.pop(0)
        if self.read_paused and not self.inbox and not self.disconnected:
            self.read_paused = False
            self.transport.resume_reading()
        return message

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self.paused:
            await self.drained()
        if self.disconnected:
            raise ClientDisconnected("the client went away")
        if self.conn.state is State.CONNECTING:
            if kind == "websocket.accept":
                self._accept(message)
            elif kind == "websocket.close":
                self._tell_app(1006, "")
                self._refuse(HTTPStatus.FORBIDDEN)
            else:
                raise RuntimeError(f"Expected websocket.accept or websocket.close: {kind!r}.")
        elif kind == "websocket.send":
            if not self.writable:
                raise ClientDisconnected("the connection is closing")
            data = message.get("bytes")
            if data is not None:
                self.conn.send_binary(data)
            else:
                self.conn.send_text(message.get("text", "").encode())
            self._write_pending()
        elif kind == "websocket.close":
            self.close(message.get("code", 1000), message.get("reason") or "")
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r}.")

    def _accept(self, message: dict[str, Any]) -> None:
        headers = self.response.headers
        for name in ("Date", "Server"):  # uvicorn's own, from its default headers
            if name in headers:
                del headers[name]
        for name, value in [*self.default_headers, *message.get("headers", [])]:
            headers[name.decode("latin-1")] = value.decode("latin-1")
        if message.get("subprotocol"):
            headers["Sec-WebSocket-Protocol"] = message["subprotocol"]
        if self.transport.is_closing():
            return
        self.conn.send_response(self.response)
        self._write_pending()
        self.writable = True
        self.request = self.response = None  # ~3 KB of headers a connection no longer needs
        log.info('%s - "WebSocket %s" [accepted]', _peer(self.client), self.scope["path"])
        self._schedule_ping()

    def _refuse(self, status: HTTPStatus) -> None:
        if self.conn.state is not State.CONNECTING or self.transport.is_closing():
            return
        self.conn.send_response(self.conn.reject(status, ""))
        self._write_pending()
        self.close_sent = True
        self.transport.close()

    def close(self, code: int, reason: str) -> None:
        """Send a close frame; the socket goes when the peer answers (or after a timeout)."""
        if not self.writable:
            return
        self.writable = False
        self._tell_app(code, reason)
        self.conn.send_close(code, reason)
        self._write_pending()
        self.close_sent = True
        if self.read_paused:  # read on, for the peer's close frame
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(CLOSE_TIMEOUT_S, self.transport.close)

    def _fail(self, code: int, reason: str) -> None:
        self.writable = False
        self._tell_app(code, reason)
        self.conn.fail(code, reason)
        self._write_pending()
        self.close_sent = True

    # -- the channel: pre-framed writes from the fan-out --------------------------------------
    def write_frame(self, frame: bytes) -> None:
        """Write complete frames built elsewhere (see `framing`); dropped once closing. The
        fan-out's hot path reads `writable` and writes to `transport` itself."""
        if self.writable:
            self.transport.write(frame)

    async def drained(self) -> None:
        """Until the transport's buffer is under its low-water mark, or the client is gone."""
        while self.paused and not self.disconnected:
            if self.drain_waiter is None:
                self.drain_waiter = self.loop.create_future()
            await asyncio.shield(self.drain_waiter)

    def _wake_drain(self) -> None:
        waiter, self.drain_waiter = self.drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- output and keepalive -------------------------------------------------------------------
    def _write_pending(self) -> None:
        chunks = self.conn.data_to_send()
        if not chunks:
            return
        data = b"".join(chunks)
        if data and not self.disconnected:
            self.transport.write(data)
        if chunks[-1] == b"":  # the library's end of stream: the server closes TCP
            self.transport.close()

    def _schedule_ping(self) -> None:
        interval = self.config.ws_ping_interval
        if interval:
            self.ping_timer = self.loop.call_later(interval, self._ping)

    def _ping(self) -> None:
        self.ping_timer = None
        if not self.writable:
            return
        self.ping_payload = os.urandom(4)
        self.conn.send_ping(self.ping_payload)
        self._write_pending()
        timeout = self.config.ws_ping_timeout
        if timeout:
            self.ping_timer = self.loop.call_later(timeout, self._pong_missing)
        else:
            self._schedule_ping()

    def _pong(self, payload: bytes) -> None:
        if self.ping_payload is None or payload != self.ping_payload:
            return  # unsolicited, or an answer to an older ping
        self.ping_payload = None
        if self.ping_timer is not None and self.config.ws_ping_timeout:
            self.ping_timer.cancel()  # the deadline: answered in time, ping again later
            self._schedule_ping()

    def _pong_missing(self) -> None:
        self.ping_timer = None
        if self.writable:
            self._fail(1011, "keepalive ping timeout")


def _address(value: Any) -> tuple[str, int] | None:
    return (str(value[0]), int(value[1])) if isinstance(value, tuple) else None


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "-"


Channel = PlenaryWebSocket  # what the `plenary.direct` extension hands out
