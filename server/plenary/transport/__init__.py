"""Plenary's own WebSocket transport for uvicorn, and the frames its fan-out shares."""

from .framing import text_frame
from .protocol import DIRECT, Channel, PlenaryWebSocket

__all__ = ["DIRECT", "Channel", "PlenaryWebSocket", "text_frame"]
