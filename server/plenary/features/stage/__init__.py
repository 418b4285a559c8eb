"""Raised hands and the stage: the floor queue and bringing an attendee on stage
(docs/protocol/stage.md)."""

from .feature import StageFeature

__all__ = ["StageFeature"]
