"""The rules of the session chat, with no I/O: the message, what clients see, slow mode.

The room chat's limits apply: 1 to 1000 characters, 30 messages per minute per person. Slow
mode lets each person post once per N seconds; speakers and moderators are never slowed, and
may post while the chat is closed (to say why).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ...errors import Code, ProtocolError

TEXT_MAX = 1000
SLOW_MAX_S = 3600


class Message(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    user: str
    name: str
    text: str
    at: int  # unix ms
    seq: int = 0  # its event's seq on the session topic, to redact it from replays


def public(m: Message) -> dict[str, Any]:
    return {"id": m.id, "user": {"id": m.user, "name": m.name}, "text": m.text, "at": m.at}


def check_open(chat_open: bool, staff: bool) -> None:
    if not chat_open and not staff:
        raise ProtocolError(Code.chat_closed, "A moderator closed this session's chat.")


def slowed(slow_s: int, staff: bool) -> int:
    """The seconds this person must wait between two messages (0: not slowed)."""
    return 0 if staff else slow_s


def slow_error(slow_s: int) -> ProtocolError:
    return ProtocolError(Code.rate_limited, f"Slow mode: one message every {slow_s} s.")
