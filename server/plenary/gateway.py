"""The WebSocket endpoint `/ws`: handshake, `hello`, then one command after another.

Each command gets exactly one `ok` or `error` with its id. The guards every command shares
(a known type, valid data, the role, having joined the session it names, the rate limit)
live here once; handlers raise `ProtocolError` before changing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Annotated, Any

import msgspec
from redis.exceptions import RedisError
from starlette.types import Receive, Scope
from starlette.types import Send as ASGISend
from starlette.websockets import WebSocket

from . import logs, topics
from .auth import User
from .backends.base import topic_key
from .connection import Connection
from .errors import Code, ProtocolError, bad_request, conflict, rate_limited
from .feature import Command, Context
from .idempotency import once
from .messages import Envelope, FrameError, Mode, convert, parse_frame
from .outlets import outlet_for
from .services import Services

log = logging.getLogger("plenary.gateway")

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NO_HELLO = 4408
CLOSE_POLICY = 1008


class Hello(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    resume: dict[str, int | tuple[str, int]] = {}  # topic -> seq, or [epoch, seq]
    mode: Mode | None = None


class Gateway:
    """The ASGI app at /ws. The app factory routes /ws here ahead of Starlette's middleware,
    so the fan-out writes through uvicorn's own `send`, with nothing in between."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: ASGISend) -> None:
        await websocket_endpoint(WebSocket(scope, receive, send), send, self.services)


async def websocket_endpoint(websocket: WebSocket, send: ASGISend, services: Services) -> None:
    if not origin_allowed(websocket, services):
        await websocket.close(code=CLOSE_POLICY)  # before accept: HTTP 403
        return
    await websocket.accept()
    conn = Connection(outlet_for(websocket.scope, send), _closer(websocket),
                      services.settings.send_queue_limit, services.node, services.flusher)
    services.connections.add(conn)
    services.metrics.connections.inc()
    try:
        await _serve(websocket, conn, services)
    finally:
        services.connections.discard(conn)
        services.metrics.connections.dec()
        await _cleanup(conn, services)


def origin_allowed(websocket: WebSocket, services: Services) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser, so not a cross-site risk
    origin = origin.rstrip("/").lower()
    host = websocket.headers.get("host", "").lower()
    if origin in (f"http://{host}", f"https://{host}"):
        return True
    return origin in services.settings.origin_allowlist


def _closer(websocket: WebSocket) -> Any:
    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason)

    return close


async def _serve(websocket: WebSocket, conn: Connection, services: Services) -> None:
    logs.conn_id.set(conn.id)  # on every log line of this connection (see logs.py)
    deadline = time.monotonic() + services.settings.hello_timeout_s
    bucket = _Bucket(services.settings.command_limit_per_s)
    while True:
        timeout = None if conn.user else max(0.0, deadline - time.monotonic())
        try:
            message = await asyncio.wait_for(websocket.receive(), timeout)
        except TimeoutError:
            await conn.flush_and_close(CLOSE_NO_HELLO, "no hello in time")
            return
        if message["type"] == "websocket.disconnect":
            return
        frame = message.get("text")
        if frame is None:
            frame = message.get("bytes") or b""
        await _handle_frame(frame, conn, services, bucket)
        refused = conn.state.get("refused")
        if conn.user is None and refused:
            if refused == CLOSE_POLICY:
                await conn.flush_and_close(CLOSE_POLICY, "too many connections for this user")
            else:
                await conn.flush_and_close(CLOSE_NOT_AUTHENTICATED, "not authenticated")
            return


async def _handle_frame(frame: str | bytes, conn: Connection, services: Services,
                        bucket: _Bucket) -> None:
    try:
        envelope = parse_frame(frame)
    except FrameError as exc:
        conn.error(exc.command_id, exc.error.as_dict())
        return
    bound = logs.command.set(envelope.type)
    if conn.user is not None:
        logs.user_id.set(conn.user.id)
    started = time.perf_counter()
    outcome = "ok"
    try:
        if not bucket.take():
            raise rate_limited("Too many commands: slow down.", 1)
        followups: list[Any] = []
        result = await _dispatch(envelope, conn, services, followups)
        conn.reply(envelope.id, result if result is not None else {})
        for action in followups:
            action()
    except ProtocolError as exc:
        outcome = exc.code.value
        conn.error(envelope.id, exc.as_dict())
    except (RedisError, OSError, ConnectionError) as exc:
        outcome = "unavailable"
        log.warning("backend unavailable during %s: %s", envelope.type, exc)
        conn.error(envelope.id, {"code": "unavailable",
                                 "message": "A backend is unavailable: retry shortly."})
    except Exception:
        outcome = "internal"
        log.exception("command %s failed", envelope.type)
        conn.error(envelope.id, {"code": "internal", "message": "Internal error."})
    command = envelope.type if envelope.type in services.commands or envelope.type == "hello" \
        else "unknown"
    services.metrics.commands.labels(command, outcome).inc()
    services.metrics.command_seconds.observe(time.perf_counter() - started)
    logs.command.reset(bound)


async def _dispatch(envelope: Envelope, conn: Connection, services: Services,
                    followups: list[Any]) -> Any:
    kind, data = envelope.type, envelope.data
    if kind == "hello":
        return await hello(conn, services, convert(data, Hello), followups)
    if conn.user is None:
        raise ProtocolError(Code.unauthorized, "Send `hello` with a token first.")
    command = services.commands.get(kind)
    if command is None:
        raise bad_request(f"Unknown command type `{kind}`.")
    typed: Any = convert(data, command.data)
    user = conn.user
    if not user.can(command.role):
        raise ProtocolError(Code.forbidden, f"`{kind}` needs the {command.role.name} role.")
    ctx = Context(services, conn, user, followups)
    if command.session is not None:
        session_id = command.session(typed)
        if session_id is not None:
            await ctx.require_joined(session_id)

    async def run() -> Any:
        await _check_limit(command, user, services)
        return await command.handler(ctx, typed)

    if envelope.key is None:
        return await run()
    # A retry with the same key answers the first reply, before any limit counts it again.
    return await once(services.replies, (user.event, user.id, kind, envelope.key), run)


async def _check_limit(command: Command, user: User, services: Services) -> None:
    if command.limit is None:
        return
    limit = command.limit
    key = f"{user.event}:{user.id}:{limit.bucket}"
    if not await services.backend.limiter.hit(key, limit.count, limit.window_s):
        # Both limiters count in fixed windows aligned on the epoch: the next one opens then.
        raise rate_limited(f"At most {limit.count} per {limit.window_s} s: try again later.",
                           limit.window_s - time.time() % limit.window_s)


class _Bucket:
    """A per-connection token bucket: a runaway client cannot hog its process."""

    def __init__(self, rate: int) -> None:
        self.rate = float(rate)
        self.tokens = float(rate)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


# -- hello and resume --------------------------------------------------------------------------
async def hello(conn: Connection, services: Services, data: Hello,
                followups: list[Any]) -> dict[str, Any]:
    if conn.user is not None:
        raise conflict("This connection already said hello.")
    if len(data.resume) > 20:
        raise bad_request("data.resume: at most 20 topics.")
    try:
        user = await services.tokens.read(data.token)
        event = await services.events.get(user.event)
        if event is None:
            raise ProtocolError(Code.unauthorized, f"Event `{user.event}` does not exist.")
    except ProtocolError:
        conn.state["refused"] = True
        raise
    if not services.budgets.admit((user.event, user.id)):
        conn.state["refused"] = CLOSE_POLICY  # a loop of reconnects must stop, not retry
        raise ProtocolError(Code.rate_limited, "Too many connections for this user: close "
                            "another tab or window first.")
    conn.user = user
    logs.user_id.set(user.id)
    log.info("hello from %s (%s) in %s", user.id, user.role.name, user.event)
    conn.state["expiry"] = asyncio.get_running_loop().call_later(
        max(0.0, user.expires_at - time.time()), conn.close_soon, CLOSE_NOT_AUTHENTICATED,
        "token expired")  # the client renews its token and resumes
    conn.mode = data.mode or conn.mode
    ctx = Context(services, conn, user, followups)
    resumed = await _resume(services, ctx, data.resume)
    if not resumed.get(topics.user(user.id)):  # everyone hears their own topic
        own = topic_key(user.event, topics.user(user.id))
        await services.hub.attach(conn, own)
        seq = (await services.backend.broker.last_seqs([own]))[own]
        followups.append(functools.partial(services.hub.start, conn, own, seq))
    return {
        "user": user.public(),
        "event": {"id": event.id, "title": event.title},
        "resumed": resumed,
        "server_time": int(time.time() * 1000),
    }


async def _resume(services: Services, ctx: Context,
                  wanted: dict[str, int | tuple[str, int]]) -> dict[str, bool]:
    """Re-subscribe each topic the user may still see; its missed events follow the reply."""
    conn = ctx.conn
    resumed: dict[str, bool] = {}
    for topic, position in wanted.items():
        epoch, after = (None, position) if isinstance(position, int) else position
        resumed[topic] = False
        if after < 0 or not await services.topic_allowed(ctx.user, topic):
            continue
        key = topic_key(ctx.event_id, topic)
        await services.hub.attach(conn, key)
        history = await services.hub.history(conn, key, after, epoch)
        if history is not None:
            resumed[topic] = True
            ctx.after_reply(functools.partial(services.hub.replay, conn, key, after, history))
    await services.membership.resumed(ctx, [t for t, ok in resumed.items() if ok])
    return resumed


async def _cleanup(conn: Connection, services: Services) -> None:
    expiry = conn.state.get("expiry")
    if expiry is not None:
        expiry.cancel()
    await services.membership.gone(conn)
    services.hub.detach_all(conn)
    if conn.user is not None:
        services.budgets.release((conn.user.event, conn.user.id))
    await conn.closed()
