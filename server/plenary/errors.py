"""Error codes of the wire protocol and the exception that carries one to the client."""

from __future__ import annotations

import enum


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
    # -- the live room: a moderator closed the session's Q&A or chat --
    qa_closed = "qa_closed"
    chat_closed = "chat_closed"


class ProtocolError(Exception):
    """Raised anywhere below a command handler; the gateway answers it as an `error`.

    Raise it before changing any state: a bad command must change nothing.
    """

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


def bad_request(message: str) -> ProtocolError:
    return ProtocolError(Code.bad_request, message)


def not_found(what: str) -> ProtocolError:
    return ProtocolError(Code.not_found, f"{what} does not exist.")


def forbidden(message: str) -> ProtocolError:
    return ProtocolError(Code.forbidden, message)


def conflict(message: str) -> ProtocolError:
    return ProtocolError(Code.conflict, message)
