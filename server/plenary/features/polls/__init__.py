"""Polls and surveys: single, multiple, rating, text and word-cloud polls with one vote per
user, secret ballots, timers, result visibility rules and the in-room/remote split."""

from .feature import PollsFeature

__all__ = ["PollsFeature"]
