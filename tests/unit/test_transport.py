"""Plenary's WebSocket protocol class under a real uvicorn server, on real sockets, against
the `websockets` client: frame boundaries, closing, pings in the middle of a broadcast, and
the flow control that makes a slow client's direct writes wait."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn
import websockets
from websockets.asyncio.client import connect

from plenary.connection import Connection, Flusher
from plenary.outlets import DirectOutlet, Frames
from plenary.transport import DIRECT, Channel, PlenaryWebSocket, text_frame

App = Callable[[Channel, Any, Any], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(app: App, **options: Any) -> AsyncIterator[str]:
    """uvicorn with PlenaryWebSocket in this loop; `app(channel, receive, send)` after accept."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await app(scope["extensions"][DIRECT]["channel"], receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(asgi, ws=PlenaryWebSocket, lifespan="off", log_level="warning",
                            ws_max_size=1 << 20, **options)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])  # what `serve` does, without its main loop
    try:
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}/ws"
    finally:
        await server.shutdown(sockets=[sock])


def test_a_text_frame_is_unmasked_and_sized_by_its_length() -> None:
    assert text_frame("hi") == b"\x81\x02hi"
    assert text_frame("é" * 100)[:4] == b"\x81\x7e\x00\xc8"  # 200 bytes: 16-bit length
    assert text_frame("x" * 70_000)[:2] == b"\x81\x7f"  # 64-bit length


async def test_pre_framed_writes_keep_their_boundaries_and_fragments_are_joined() -> None:
    got: list[str] = []

    async def app(channel: Channel, receive: Any, send: Any) -> None:
        got.append((await receive())["text"])  # sent in three fragments
        # Two frames in one write, then one over 64 KiB, then one through ASGI send.
        channel.write_frame(text_frame("one") + text_frame("two"))
        channel.write_frame(text_frame("x" * 70_000))
        await send({"type": "websocket.send", "text": "three"})
        assert (await receive())["type"] == "websocket.disconnect"

    async with serving(app) as url, connect(url, compression=None) as ws:
        await ws.send(["frag", "ment", "ed"])
        assert [await ws.recv() for _ in range(4)] == ["one", "two", "x" * 70_000, "three"]
    assert got == ["fragmented"]


async def test_close_sends_the_code_and_nothing_after_it() -> None:
    after_close: list[bool] = []

    async def app(channel: Channel, receive: Any, send: Any) -> None:
        channel.write_frame(text_frame("last"))
        await send({"type": "websocket.close", "code": 1013, "reason": "too slow: resume"})
        after_close.append(channel.writable)
        channel.write_frame(text_frame("never"))  # dropped: the close frame went out
        assert (await receive())["type"] == "websocket.disconnect"

    async with serving(app) as url, connect(url, compression=None) as ws:
        assert await ws.recv() == "last"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "too slow: resume")
    assert after_close == [False]


async def test_the_app_hears_the_clients_close_code() -> None:
    heard: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def app(channel: Channel, receive: Any, send: Any) -> None:
        heard.set_result(await receive())

    async with serving(app) as url:
        async with connect(url, compression=None) as ws:
            await ws.close(4000, "bye")
        message = await asyncio.wait_for(heard, 5)
    assert message == {"type": "websocket.disconnect", "code": 4000, "reason": "bye"}


async def test_pings_interleave_with_a_broadcast_without_breaking_a_frame() -> None:
    answered = 0

    async def app(channel: Channel, receive: Any, send: Any) -> None:
        nonlocal answered
        n, waiting = 0, False
        while answered < 2 or n < 2000:  # the server's own pings fall in between
            channel.write_frame(text_frame(f"{n:06d}" + "y" * 200))
            n += 1
            if n % 50 == 0:
                await asyncio.sleep(0.001)  # let the keepalive timer and the pongs in
                if waiting and channel.ping_payload is None:
                    answered += 1
                waiting = channel.ping_payload is not None
        channel.write_frame(text_frame("end"))
        assert (await receive())["type"] == "websocket.disconnect"

    async with serving(app, ws_ping_interval=0.01, ws_ping_timeout=5) as url, \
            connect(url, compression=None, ping_interval=None) as ws:
        pong = await ws.ping()  # the client's own ping is answered mid-stream too
        got = []
        while (text := await ws.recv()) != "end":
            got.append(text)
        await asyncio.wait_for(pong, 5)
    assert answered >= 2
    assert [int(t[:6]) for t in got] == list(range(len(got)))  # in order, none cut
    assert all(len(t) == 206 for t in got)


async def test_a_client_that_stops_reading_pauses_direct_writes_until_it_drains() -> None:
    reached: asyncio.Future[tuple[Connection, int]] = \
        asyncio.get_running_loop().create_future()
    chunk = "z" * 16_000
    frame = text_frame(chunk)

    async def app(channel: Channel, receive: Any, send: Any) -> None:
        conn = Connection(DirectOutlet(channel), _no_close, queue_limit=10_000,
                          flusher=Flusher(0.0))
        conn.topics["k"] = 0
        seq = 0
        while not channel.paused:  # over the transport's high-water mark: it stops taking
            seq += 1
            conn.push("k", seq, chunk, Frames(asyncio.get_running_loop().time()))
            await asyncio.sleep(0)
        written = seq
        for _ in range(5):  # what comes now waits: one write in a task, the rest queued
            seq += 1
            conn.push("k", seq, chunk, Frames(asyncio.get_running_loop().time()))
        assert conn.sending is not None and conn.has_pending
        assert channel.transport.get_write_buffer_size() < written * len(frame)
        reached.set_result((conn, written))
        assert (await receive())["type"] == "websocket.disconnect"

    async with serving(app) as url:
        reader, writer = await _raw_client(url)
        conn, written = await asyncio.wait_for(reached, 10)
        # Reading again: what was written, the write that waited, then the queue as one frame.
        expected = frame * (written + 1) + text_frame("[" + ",".join([chunk] * 4) + "]")
        data = b""
        while len(data) < len(expected):
            data += await asyncio.wait_for(reader.read(1 << 20), 10)
        writer.close()
    assert data == expected
    assert conn.sending is None and not conn.has_pending


async def _no_close(code: int, reason: str) -> None:
    raise AssertionError(f"closed {code} {reason}")


async def _raw_client(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that completes the handshake and then reads only when told to (its reader
    stops taking from the socket past 2 KiB, so the kernel's buffers fill)."""
    port = int(url.split(":")[2].split("/")[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1024)
    writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n")
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer
