"""The typed data of every breakout command, parsed once at the edge."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ...messages import Ident, Slug
from .rules import MAX_ROOMS, Assign, Mix

Text = Annotated[str, msgspec.Meta(max_length=8000)]  # trimmed + checked with clean_text
RoomNames = Annotated[list[Annotated[str, msgspec.Meta(max_length=200)]],
                      msgspec.Meta(max_length=MAX_ROOMS)]


class Create(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    rooms: int | RoomNames | None = None
    assign: Assign = "auto"
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10000)] | None = None
    duration_s: Annotated[int, msgspec.Meta(ge=1, le=24 * 3600)] | None = None
    mix: Mix = "mixed"
    reuse: Ident | None = None


class Assign_(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident
    user: Ident
    room: Ident | None


class Which(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident


class Extend(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident
    minutes: Annotated[int, msgspec.Meta(ge=1, le=240)] | None = None
    seconds: Annotated[int, msgspec.Meta(ge=1, le=4 * 3600)] | None = None


class Broadcast(msgspec.Struct, forbid_unknown_fields=True):
    breakout: Ident
    text: Text


class InRoom(msgspec.Struct, forbid_unknown_fields=True):
    room: Ident


class Say(msgspec.Struct, forbid_unknown_fields=True):
    room: Ident
    text: Text
