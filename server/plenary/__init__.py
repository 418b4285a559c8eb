"""Plenary: the real-time backend for hybrid conferences."""

__version__ = "0.1.0"
