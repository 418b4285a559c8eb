"""The session chat beside the stage, moderated (docs/protocol/chat.md)."""

from .feature import ChatFeature

__all__ = ["ChatFeature"]
