"""A small request/response between server processes, over the broker.

Each process listens on its own node key; a request names the key to answer on. Media needs
it because a publisher's peer connection lives in one process while its viewers' commands
arrive at any process. With the embedded backend there is one process and no request ever
leaves it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from ...backends.base import topic_key
from ...errors import Code, ProtocolError
from ...feature import Host
from ...messages import encode

log = logging.getLogger("plenary.media.rpc")

NODES = "_node"  # the pseudo-event under which each process has its key
REQUEST, REPLY = "node.request", "node.reply"

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class _Frame(msgspec.Struct):
    type: str
    data: dict[str, Any]


class NodeRPC:
    def __init__(self, host: Host, handlers: dict[str, Handler]) -> None:
        self._host = host
        self._handlers = handlers
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._decoder = msgspec.json.Decoder(_Frame)

    @property
    def node(self) -> str:
        return self._host.node

    def _key(self, node: str) -> str:
        return topic_key(NODES, node)

    async def start(self) -> None:
        await self._host.hub.listen(self._key(self.node), self._on_frame)

    async def stop(self) -> None:
        await self._host.hub.unlisten(self._key(self.node))
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for future in self._waiting.values():
            future.cancel()

    async def call(self, node: str, op: str, data: dict[str, Any],
                   timeout: float = 20.0) -> dict[str, Any]:
        """Run `op` in process `node`; its ProtocolError is raised here as well."""
        if node == self.node:
            return await self._handlers[op](data)
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        try:
            await self._send(node, REQUEST, {"id": rid, "from": self.node, "op": op,
                                             "data": data})
            return unwrap(await asyncio.wait_for(future, timeout))
        except TimeoutError:
            raise ProtocolError(Code.unavailable, "The media process did not answer: retry."
                                ) from None
        finally:
            self._waiting.pop(rid, None)

    async def _send(self, node: str, kind: str, data: dict[str, Any]) -> None:
        await self._host.broker.publish(self._key(node), kind, encode(data))

    def _on_frame(self, seq: int, frame: str) -> None:
        try:
            message = self._decoder.decode(frame)
        except msgspec.DecodeError:
            return
        if message.type == REPLY:
            future = self._waiting.get(message.data.get("id", 0))
            if future is not None and not future.done():
                future.set_result(message.data)
        elif message.type == REQUEST:
            task = asyncio.get_running_loop().create_task(self._answer(message.data))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, request: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"id": request.get("id")}
        try:
            reply["ok"] = await self._handlers[request["op"]](request["data"])
        except ProtocolError as exc:
            reply["error"] = exc.as_dict()
        except Exception:
            log.exception("node request %s failed", request.get("op"))
            reply["error"] = {"code": "internal", "message": "Internal error."}
        try:
            await self._send(request["from"], REPLY, reply)
        except Exception as exc:
            log.warning("could not answer node request: %s", exc)


def unwrap(reply: dict[str, Any]) -> dict[str, Any]:
    """The data of a reply, or its error raised again as the same ProtocolError."""
    error = reply.get("error")
    if error is not None:
        raise ProtocolError(Code(error["code"]), error["message"])
    return dict(reply.get("ok") or {})
