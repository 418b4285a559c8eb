"""Typed messages, parsed once at the edge.

A frame becomes an `Envelope` (id, type, raw data); the command's own `msgspec.Struct`
is then built from the data. Any failure is a `bad_request` that names the field and says
why, so only typed, valid values travel inward.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from .errors import ProtocolError, bad_request

MAX_ID = 2**53 - 1  # what a JavaScript client can hold exactly

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,64}$")]
Ident = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{1,80}$")]
Mode = Literal["remote", "in_room"]
MODES: tuple[Mode, ...] = ("in_room", "remote")

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class Role(enum.IntEnum):
    """Each role can do all that the roles below it can."""

    display = 0  # the room screen: sees what attendees see, can do nothing (issue 16)
    attendee = 1
    captioner = 2  # types live captions for a session (or a speech-to-text engine does)
    interpreter = 3  # publishes an audio channel in a language on a session's stage
    speaker = 4
    moderator = 5

    @classmethod
    def parse(cls, name: str) -> Role:
        return cls[name]


class Envelope(msgspec.Struct):
    id: int | None
    type: str
    data: Any
    key: str | None = None  # a client's idempotency key (see idempotency.py)


MAX_KEY = 64


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def encode_str(value: Any) -> str:
    return _encoder.encode(value).decode()


def decode(data: bytes | str) -> Any:
    return _decoder.decode(data)


def parse_frame(frame: str | bytes) -> Envelope:
    """Parse one client frame, or raise `FrameError` carrying the id it could recover."""
    try:
        obj = _decoder.decode(frame)
    except msgspec.DecodeError as exc:
        raise FrameError(None, bad_request(f"The frame is not valid JSON: {exc}.")) from None
    except RecursionError:  # nested deeper than the decoder will go: no traceback, no drop
        raise FrameError(None, _too_deep_error()) from None
    if not isinstance(obj, dict):
        raise FrameError(None, bad_request("A frame must hold one JSON object (a command)."))
    raw_id = obj.get("id")
    if type(raw_id) is not int or not 0 <= raw_id <= MAX_ID:
        raise FrameError(None, bad_request(f"`id` must be an integer from 0 to {MAX_ID}."))
    if too_deep(obj, MAX_DEPTH):
        raise FrameError(raw_id, _too_deep_error())
    kind = obj.get("type")
    if not isinstance(kind, str) or not kind:
        raise FrameError(raw_id, bad_request("`type` must be a non-empty string."))
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrameError(raw_id, bad_request("`data` must be a JSON object."))
    key = obj.get("key")
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY
                            or not key.isprintable()):
        raise FrameError(raw_id, bad_request(f"`key` must be 1–{MAX_KEY} printable characters."))
    return Envelope(raw_id, kind, data, key)


MAX_DEPTH = 32  # no command needs more than a few levels


def too_deep(value: Any, limit: int) -> bool:
    """Does `value` nest containers more than `limit` deep? (Iterative: no recursion.)"""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _too_deep_error() -> ProtocolError:
    return bad_request(f"The frame nests containers deeper than {MAX_DEPTH} levels.")


class FrameError(Exception):
    def __init__(self, command_id: int | None, error: ProtocolError) -> None:
        super().__init__(error.message)
        self.command_id = command_id
        self.error = error


T = TypeVar("T")


def convert(data: Any, into: type[T]) -> T:
    """Build a command's typed data, or raise a `bad_request` naming the field."""
    try:
        return msgspec.convert(data, into, strict=True)
    except msgspec.ValidationError as exc:
        raise bad_request(_describe(str(exc))) from None


_PATH = re.compile(r" - at `\$(.*)`$")


def _describe(text: str) -> str:
    """msgspec says 'Expected `int`, got `str` - at `$.up`'; we say 'data.up: expected int…'."""
    match = _PATH.search(text)
    where = "data" + (match.group(1) if match else "")
    what = _PATH.sub("", text)
    what = what[0].lower() + what[1:] if what else "invalid value"
    return f"{where}: {what}."


def clean_text(value: str, field: str, *, low: int = 1, high: int = 500) -> str:
    """Trim and length-check user text; lengths count code points after trimming."""
    text = value.strip()
    if not low <= len(text) <= high:
        raise bad_request(f"data.{field}: must be {low}–{high} characters after trimming.")
    if "\x00" in text:
        raise bad_request(f"data.{field}: must not contain NUL characters.")
    return text
