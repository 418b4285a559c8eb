"""Attendance and engagement per session, module and day (see docs/protocol/surveys.md)."""

from .feature import EngagementFeature

__all__ = ["EngagementFeature"]
