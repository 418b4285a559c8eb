"""The rules of moderation, with no I/O: who may remove or mute whom, and the records kept."""

from __future__ import annotations

from typing import Any

import msgspec

from ...errors import bad_request, forbidden


class Removal(msgspec.Struct, forbid_unknown_fields=True):
    user: str
    reason: str
    by: str  # the moderator's name
    at: int  # unix ms


def check_target(actor: str, target: str, verb: str) -> None:
    if actor == target:
        raise bad_request(f"data.user: you cannot {verb} yourself.")


def refusal(removal: Removal | None) -> str | None:
    """Why a removed person's token is refused at `hello`."""
    if removal is None:
        return None
    return "A moderator removed you from this event."


def muted_error() -> Exception:
    return forbidden("A moderator muted you: you cannot post in chat or Q&A.")


def report_row(r: Removal) -> dict[str, Any]:
    return {"user": r.user, "reason": r.reason, "by": r.by, "at": r.at}
