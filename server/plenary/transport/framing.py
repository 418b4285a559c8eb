"""Server→client frames, built once and written to many sockets.

A frame from the server is never masked (RFC 6455, 5.1), so its bytes are the same for
every recipient: the fan-out frames an event once per process and hands those bytes to each
connection's transport. The framing itself is the `websockets` library's.
"""

from __future__ import annotations

from websockets.frames import Frame, Opcode


def text_frame(text: str) -> bytes:
    """One complete, unmasked, uncompressed text frame carrying `text`."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
