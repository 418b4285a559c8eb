"""This process's side of room topics: which local connections are in which room.

A connection enters a room with `room.join` (attached to `room:<id>`, present in the room's
presence key) and leaves it with `room.leave`, `breakout.leave`, a move, the room's close,
leaving the session or going away. Closes and moves may be decided on another process (the
timer runs anywhere), so each process listens to the rooms its connections are in and
detaches them when the room says `room.closed`, or `room.presence` no longer lists them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from ... import topics
from ...backends.base import Position, split_key, topic_key
from ...connection import Connection
from ...feature import Host
from ...liveness import keep_present
from ...messages import Role, decode

STATE = "breakout.rooms"  # conn.state: the room ids this connection is in

_CLOSED = '{"type":"room.closed",'
_PRESENCE = '{"type":"room.presence",'
_MESSAGE = '{"type":"room.message",'
_BROADCAST = '{"type":"breakout.message",'  # a moderators' message, shown in the room's chat
HISTORY_SCAN = 200  # events read back first when looking for a room's recent messages



def rooms_of(conn: Connection) -> set[str]:
    found: set[str] = conn.state.setdefault(STATE, set())
    return found


class LocalRooms:
    def __init__(self, host: Host) -> None:
        self.host = host
        self._local: dict[str, set[Connection]] = {}  # room key -> connections
        self._listening: set[str] = set()

    def key(self, event: str, room_id: str) -> str:
        return topic_key(event, topics.room(room_id))

    async def enter(self, conn: Connection, room_id: str) -> Position:
        """Attach `conn` to the room; returns where its events start after."""
        key = self.key(conn.event, room_id)
        await self.host.hub.attach(conn, key)
        at: Position = (await self.host.broker.positions([key]))[key]
        await self.adopt(conn, room_id)
        return at

    async def adopt(self, conn: Connection, room_id: str) -> None:
        """Count `conn`, already attached to the room's topic (a resume), as in the room."""
        key = self.key(conn.event, room_id)
        assert conn.user is not None
        await self.host.presence.enter(key, conn.id, conn.user.id, conn.mode)
        rooms_of(conn).add(room_id)
        self._local.setdefault(key, set()).add(conn)
        if key not in self._listening:
            self._listening.add(key)
            await self.host.hub.listen(key, self._listener(key))

    async def leave(self, conn: Connection, room_id: str) -> bool:
        """Detach `conn` from the room; False if it was not in it."""
        if room_id not in rooms_of(conn):
            return False
        key = self.key(conn.event, room_id)
        self._drop(conn, key, room_id)
        await self.host.presence.leave(key, conn.id)
        return True

    def resumed(self, conn: Connection) -> list[str]:
        """Rooms whose topic `conn` resumed in `hello` but that it is not counted in yet."""
        found = []
        for key in conn.topics:
            event, topic = split_key(key)
            kind, room_id, _ = topics.parse(topic)
            if kind == "room" and event == conn.event and room_id not in rooms_of(conn):
                found.append(room_id)
        return found

    def _drop(self, conn: Connection, key: str, room_id: str) -> None:
        rooms_of(conn).discard(room_id)
        self.host.hub.detach(conn, key)
        local = self._local.get(key)
        if local is None:
            return
        local.discard(conn)
        if not local:
            del self._local[key]
            self.host.spawn(self._unlisten(key), "room-unlisten")

    async def _unlisten(self, key: str) -> None:
        # Someone may have entered the room again meanwhile: then keep listening.
        if key in self._listening and key not in self._local:
            self._listening.discard(key)
            await self.host.hub.unlisten(key)

    async def online(self, event: str, room_id: str) -> dict[str, str]:
        result: dict[str, str] = await self.host.presence.members(
            self.key(event, room_id))
        return result

    # -- decisions made anywhere ----------------------------------------------------------
    def _listener(self, key: str) -> Callable[[int, str], None]:
        def heard(seq: int, frame: str) -> None:
            if frame.startswith(_CLOSED):
                self._later(key, lambda conn: True)
            elif frame.startswith(_PRESENCE):
                members = {m["id"] for m in decode(frame)["data"]["members"]}
                self._later(key, lambda conn: not _may_stay(conn, members))

        return heard

    def _later(self, key: str, leaving: Callable[[Connection], bool]) -> None:
        """After the event went out to the connections: detach those who must go."""
        def run() -> None:
            for conn in list(self._local.get(key, ())):
                if leaving(conn):
                    room_id = topics.parse(key.partition("|")[2])[1]
                    self._drop(conn, key, room_id)
                    self.host.spawn(self._forget(key, conn.id), "room-presence-leave")

        asyncio.get_running_loop().call_soon(run)

    async def _forget(self, key: str, conn_id: str) -> None:
        with contextlib.suppress(Exception):
            await self.host.presence.leave(key, conn_id)

    # -- keep this process's room presence alive ------------------------------------------
    async def refresh_forever(self) -> None:
        await keep_present(self.host, self._local, "room presence refresh")


async def recent_messages(broker: Any, key: str, upto: Position, n: int, depth: int
                          ) -> list[dict[str, Any]]:
    """The last `n` `room.message` messages and moderators' broadcasts (marked
    `"broadcast": true`) published on `key` up to `upto`, oldest first, read back from
    the broker's history (at most `depth` events deep): nothing is stored for them. Presence
    and other events are interleaved, so the window grows until it holds `n` messages or
    reaches the start or the depth of the history."""
    found: list[dict[str, Any]] = []
    oldest = max(0, (await broker.last_seqs([key]))[key] - depth)  # what history still holds
    window = HISTORY_SCAN
    while True:
        after = max(oldest, upto.seq - window)
        frames = await broker.history(key, after, upto.epoch)
        if frames is None:  # trimmed past the window meanwhile: what the last read found
            return found
        found = [_chat_line(f) for seq, f in frames
                 if seq <= upto.seq and f.startswith((_MESSAGE, _BROADCAST))][-n:]
        if len(found) >= n or after == oldest:
            return found
        window *= 4


def _chat_line(frame: str) -> dict[str, Any]:
    data: dict[str, Any] = decode(frame)["data"]
    if frame.startswith(_BROADCAST):
        return {"broadcast": True, **data}
    message: dict[str, Any] = data["message"]
    return message


def _may_stay(conn: Connection, members: set[str]) -> bool:
    user = conn.user
    return user is not None and (user.id in members or user.can(Role.moderator))
