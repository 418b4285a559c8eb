"""Moderation for large audiences: removing and muting people, the profanity filter
(docs/protocol/moderation.md)."""

from .feature import ModerationFeature

__all__ = ["ModerationFeature"]
