"""The events a server hosts: definitions in the backend, shared by every process."""

from __future__ import annotations

import time

import msgspec

from .agenda import EventDef, SessionDef, parse_event
from .backends.base import Documents
from .errors import not_found
from .messages import decode

CACHE_S = 1.0  # another process's PUT is seen within this long


DEFINITION = "definition"  # the event's document


def _state_name(session_id: str) -> str:
    return f"session-state:{session_id}"


class Events:
    def __init__(self, docs: Documents) -> None:
        self._docs = docs
        self._cache: dict[str, tuple[float, EventDef]] = {}

    async def put(self, event: EventDef) -> None:
        await self._docs.put(event.id, DEFINITION, msgspec.json.encode(event))
        self._cache[event.id] = (time.monotonic() + CACHE_S, event)

    async def get(self, event_id: str) -> EventDef | None:
        cached = self._cache.get(event_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        raw = await self._docs.get(event_id, DEFINITION)
        if raw is None:
            return None
        event = parse_event(decode(raw))
        self._cache[event_id] = (time.monotonic() + CACHE_S, event)
        return event

    async def require(self, event_id: str) -> EventDef:
        event = await self.get(event_id)
        if event is None:
            raise not_found(f"Event `{event_id}`")
        return event

    async def session(self, event_id: str, session_id: str) -> SessionDef:
        session = (await self.require(event_id)).session(session_id)
        if session is None:
            raise not_found(f"Session `{session_id}`")
        return session

    async def state(self, event_id: str, session: SessionDef) -> dict[str, bool]:
        """The session's live switches: the agenda's defaults, overridden by moderators."""
        fields = await self._docs.fields(event_id, _state_name(session.id))
        return {
            "live": fields.get("live", "0") == "1",
            "qa_moderated": fields.get("qa_moderated", "1" if session.qa_moderated else "0")
            == "1",
            # The live room: moderators close and reopen a session's Q&A and chat.
            "qa_open": fields.get("qa_open", "1") == "1",
            "chat_open": fields.get("chat_open", "1") == "1",
        }

    async def update_state(self, event_id: str, session_id: str, values: dict[str, bool]) -> None:
        fields = {k: "1" if v else "0" for k, v in values.items()}
        await self._docs.set_fields(event_id, _state_name(session_id), fields)

    async def describe(self, event_id: str, session: SessionDef) -> dict[str, object]:
        """The session as clients see it: the agenda entry plus its live state."""
        doc = msgspec.to_builtins(session)
        doc.update(await self.state(event_id, session))
        return doc
