"""Reactions, aggregated: at most one event per session per second (docs/protocol/reactions.md)."""

from .feature import ReactionsFeature

__all__ = ["ReactionsFeature"]
