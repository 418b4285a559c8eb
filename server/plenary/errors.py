"""Error codes of the wire protocol and the exception that carries one to the client."""

from __future__ import annotations

import enum
import math
import re


class Code(enum.StrEnum):
    bad_request = "bad_request"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    conflict = "conflict"
    poll_closed = "poll_closed"
    already_voted = "already_voted"
    rate_limited = "rate_limited"
    too_large = "too_large"
    unavailable = "unavailable"
    internal = "internal"
    # surveys (issue 14)
    survey_closed = "survey_closed"
    already_submitted = "already_submitted"
    # -- the live room: a moderator closed the session's Q&A or chat --
    qa_closed = "qa_closed"
    chat_closed = "chat_closed"


class ProtocolError(Exception):
    """Raised anywhere below a command handler; the gateway answers it as an `error`.

    Raise it before changing any state: a bad command must change nothing.
    """

    def __init__(self, code: Code, message: str, *, field: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, str | int]:
        """The wire form: `code` and `message`, then `field` (the path of the offending value
        inside `data`, e.g. `options` or `rooms[2]`) and `retry_after` (whole seconds) when
        known, so a client can say what to fix, in its own words and language."""
        reply: dict[str, str | int] = {"code": self.code.value, "message": self.message}
        if self.field is not None:
            reply["field"] = self.field
        if self.retry_after is not None:
            reply["retry_after"] = self.retry_after
        return reply


# A message that starts with a path ("data.options: …", "data.rooms[2]: …", "name: …") names
# its field; messages are written that way throughout (STYLE.md: "a bad_request naming the
# field"), so the field is read from there rather than spelled twice at every call.
_FIELD = re.compile(r"^(?:data\.)?([A-Za-z_]\w*(?:\.\w+|\[\d+\])*):\s")


def field_of(message: str) -> str | None:
    """The field a message names at its start, without the `data.` prefix, or None."""
    match = _FIELD.match(message)
    return match.group(1) if match and match.group(1) != "data" else None


def bad_request(message: str, *, field: str | None = None) -> ProtocolError:
    """A refused value; `field` defaults to the path the message starts with."""
    return ProtocolError(Code.bad_request, message, field=field or field_of(message))


def rate_limited(message: str, retry_after: float) -> ProtocolError:
    """Too many commands; `retry_after` seconds (rounded up, at least 1) until one is taken."""
    return ProtocolError(Code.rate_limited, message, retry_after=max(1, math.ceil(retry_after)))


def not_found(what: str) -> ProtocolError:
    return ProtocolError(Code.not_found, f"{what} does not exist.")


def forbidden(message: str) -> ProtocolError:
    return ProtocolError(Code.forbidden, message)


def conflict(message: str) -> ProtocolError:
    return ProtocolError(Code.conflict, message)


def not_joined(session_id: str) -> ProtocolError:
    """The one answer to a command in a session this connection has not joined."""
    return ProtocolError(Code.forbidden, f"Join session `{session_id}` first.")
