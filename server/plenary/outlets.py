"""Where a connection's frames go, and the frames that many connections share.

`Frames` lives for one flush: connections whose pending messages are the same (one event
of the fan-out; the same burst) share one text and one wire frame, so the text is joined and
encoded, and the frame built, once per group instead of once per recipient.

Two outlets: `DirectOutlet` writes those shared bytes straight to Plenary's own transport
(the `plenary.direct` extension); `SendOutlet` hands the text to a plain ASGI `send`, for
any other ASGI server. `put` never waits: it returns None when the frame is out, or an
awaitable that finishes the write once the client's socket takes data again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping
from typing import Any, Protocol

from .transport import DIRECT, Channel, text_frame

Send = Callable[[str], Coroutine[Any, Any, None]]


def outlet_for(scope: Mapping[str, Any], send: Callable[[Any], Awaitable[None]]) -> Outlet:
    """The direct outlet where the server is Plenary's transport, else plain ASGI `send`."""
    direct = scope.get("extensions", {}).get(DIRECT)
    if direct is not None:
        return DirectOutlet(direct["channel"])

    def send_text(text: str) -> Coroutine[Any, Any, None]:
        return send({"type": "websocket.send", "text": text})  # type: ignore[return-value]

    return SendOutlet(send_text)


class Frames:
    """The texts and frames built in one flush (or one event's fan-out) at loop time `now`,
    keyed by the pending list they carry."""

    __slots__ = ("_text", "_wire", "now")

    def __init__(self, now: float) -> None:
        self.now = now
        self._text: dict[object, str] = {}
        self._wire: dict[object, bytes] = {}

    def text(self, pending: list[str]) -> str:
        key = _key(pending)
        text = self._text.get(key)
        if text is None:
            text = pending[0] if len(pending) == 1 else "[" + ",".join(pending) + "]"
            self._text[key] = text
        return text

    def wire(self, pending: list[str]) -> bytes:
        key = _key(pending)
        frame = self._wire.get(key)
        if frame is None:
            frame = self._wire[key] = text_frame(self.text(pending))
        return frame


def _key(pending: list[str]) -> object:
    # One event (the usual case) is its own key: a str caches its hash, and the fan-out
    # pushes the same str object to every subscriber, so the lookup is an identity check.
    return pending[0] if len(pending) == 1 else tuple(pending)


class Outlet(Protocol):
    def put(self, frames: Frames, pending: list[str]) -> Awaitable[None] | None: ...


class DirectOutlet:
    """Pre-framed bytes to the transport; past its high-water mark, wait for it to drain."""

    __slots__ = ("channel",)

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def put(self, frames: Frames, pending: list[str]) -> Awaitable[None] | None:
        frame = frames.wire(pending)
        channel = self.channel
        if channel.paused:
            return self._after_drain(frame)
        if channel.writable:
            channel.transport.write(frame)
        return None

    async def _after_drain(self, frame: bytes) -> None:
        await self.channel.drained()
        self.channel.write_frame(frame)


class SendOutlet:
    """Text through an ASGI-style `send`, stepped eagerly: a send that completes at once
    (the client's socket takes data) costs no task; one that has to wait is resumed later."""

    __slots__ = ("send",)

    def __init__(self, send: Send) -> None:
        self.send = send

    def put(self, frames: Frames, pending: list[str]) -> Awaitable[None] | None:
        coro = self.send(frames.text(pending))
        try:
            waiting = coro.send(None)
        except StopIteration:
            return None  # sent at once: the usual case
        return _Resume(coro, waiting)


class _Resume:
    """Await what a half-run coroutine waits on, then step it on, until it finishes."""

    def __init__(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        self.coro, self.waiting = coro, waiting

    def __await__(self) -> Generator[Any, None, None]:
        while True:
            try:
                yield self.waiting  # exactly what the coroutine yielded to its runner
            except BaseException as exc:
                try:
                    self.waiting = self.coro.throw(exc)
                except StopIteration:
                    return  # it handled the exception and finished
                continue
            try:
                self.waiting = self.coro.send(None)
            except StopIteration:
                return
