"""Live Q&A: ask, upvote, moderate, answer, withdraw and export (docs/protocol/qa.md)."""

from .feature import QAFeature

__all__ = ["QAFeature"]
