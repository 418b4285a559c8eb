"""Breakout rooms for focus groups: assign, move, chat, timer, broadcast, report-back."""

from .feature import BreakoutsFeature

__all__ = ["BreakoutsFeature"]
