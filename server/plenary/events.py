"""The events a server hosts: definitions in the backend, shared by every process."""

from __future__ import annotations

import time

import msgspec

from .agenda import EventDef, SessionDef, parse_event
from .backends.base import Documents
from .errors import conflict, not_found
from .messages import decode

CACHE_S = 1.0  # another process's PUT is seen within this long


DEFINITION = "definition"  # the event's document

# The documents interface has no scan or delete: the events hosted are a field map
# (id -> "1", or "" once deleted), short codes another (code -> event id, or ""), both kept
# under a name no event id can take (ids are slugs).
_SERVER = "_server"
_INDEX = "events"
_SHORT_CODES = "short-codes"
_DELETED = b"null"  # a deleted event's document


def _state_name(session_id: str) -> str:
    return f"session-state:{session_id}"


class Events:
    def __init__(self, docs: Documents) -> None:
        self._docs = docs
        self._cache: dict[str, tuple[float, EventDef]] = {}

    async def put(self, event: EventDef) -> None:
        """Create or replace; `conflict` if another event has the short code."""
        if event.short_code is not None:
            holder = await self.by_short_code(event.short_code)
            if holder is not None and holder != event.id:
                raise conflict(f"short_code: `{event.short_code}` is the code of another event.")
        previous = await self.get(event.id)
        await self._docs.put(event.id, DEFINITION, msgspec.json.encode(event))
        await self._docs.set_fields(_SERVER, _INDEX, {event.id: "1"})
        if previous is not None and previous.short_code not in (None, event.short_code):
            await self._docs.set_fields(_SERVER, _SHORT_CODES, {str(previous.short_code): ""})
        if event.short_code is not None:
            await self._docs.set_fields(_SERVER, _SHORT_CODES, {event.short_code: event.id})
        self._cache[event.id] = (time.monotonic() + CACHE_S, event)

    async def delete(self, event_id: str) -> None:
        event = await self.require(event_id)
        await self._docs.put(event_id, DEFINITION, _DELETED)
        await self._docs.set_fields(_SERVER, _INDEX, {event_id: ""})
        if event.short_code is not None:
            await self._docs.set_fields(_SERVER, _SHORT_CODES, {event.short_code: ""})
        self._cache.pop(event_id, None)

    async def ids(self) -> list[str]:
        """Every event hosted, by id."""
        return sorted(k for k, v in (await self._docs.fields(_SERVER, _INDEX)).items() if v)

    async def all(self) -> list[EventDef]:
        found = [await self.get(event_id) for event_id in await self.ids()]
        return [e for e in found if e is not None]

    async def by_short_code(self, code: str) -> str | None:
        """The id of the event whose short code this is, in any case."""
        return (await self._docs.fields(_SERVER, _SHORT_CODES)).get(code.upper()) or None

    async def get(self, event_id: str) -> EventDef | None:
        cached = self._cache.get(event_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        raw = await self._docs.get(event_id, DEFINITION)
        if raw is None or raw == _DELETED:
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
            "recording": fields.get("recording", "0") == "1",
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
