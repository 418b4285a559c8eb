"""Reading Redis replies: the clients are made without `decode_responses`, so replies are
bytes; these turn them into what the stores hand out."""

from __future__ import annotations


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def text_or_none(value: bytes | str | None) -> str | None:
    """None for a missing or empty reply (an empty field means "none" in our scripts)."""
    if value is None or value in (b"", ""):
        return None
    return text(value)
