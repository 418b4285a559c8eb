"""What each viewer receives of a publisher, and the downgrade ladder's rules. Pure: no
asyncio, no aiortc.

A viewer receives the publisher's audio and video, or audio only: its video transceiver is
still negotiated (so switching back needs no new offer) but its `ForwardTrack` is detached
from the video `Source`, so not one video packet is sent to it (`media.subscribe
{"audio_only": true}`, then `media.view {"viewer", "video": bool}`).

The automatic rung: each viewer's video is watched for *strikes*, signs that it cannot keep
up: its queue overflowed (the relay dropped its frames to the next keyframe), or one of its
RTCP receiver reports says it lost at least `LOSS_FRACTION` of the packets since the last
one. `STRIKES` strikes within `WINDOW_S` seconds move the viewer to audio only, and it is
told (`media.downgraded` on its user topic); `media.view {"video": true}` brings the video
back and starts the count afresh.
"""

from __future__ import annotations

from collections import deque

LOSS_FRACTION = 0.10  # a receiver report losing this share of packets is a strike
STRIKES = 3  # strikes ...
WINDOW_S = 10.0  # ... within this many seconds: audio only

Reason = str  # "overflow" | "loss"


def lossy(fraction_lost: int) -> bool:
    """A receiver report's `fraction lost` (RFC 3550 6.4.1: 8-bit fixed point, /256)."""
    return fraction_lost / 256 >= LOSS_FRACTION


class Ladder:
    """Counts one viewer's strikes in a sliding window; says when to drop to audio only."""

    def __init__(self, strikes: int = STRIKES, window_s: float = WINDOW_S) -> None:
        self.strikes = strikes
        self.window_s = window_s
        self._at: deque[float] = deque()

    def strike(self, now: float) -> bool:
        """One more strike at `now`: True when the viewer should go audio only."""
        self._at.append(now)
        while self._at and now - self._at[0] > self.window_s:
            self._at.popleft()
        return len(self._at) >= self.strikes

    def reset(self) -> None:
        self._at.clear()
