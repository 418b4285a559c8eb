"""The downgrade ladder's rules, and a viewer queue's overflow feeding it."""

from __future__ import annotations

import asyncio

import av

from plenary.features.media.forwarder import ForwardTrack, RelayStats
from plenary.features.media.selection import LOSS_FRACTION, STRIKES, WINDOW_S, Ladder, lossy


def test_strikes_within_the_window_move_a_viewer_to_audio_only() -> None:
    ladder = Ladder()
    assert not any(ladder.strike(float(i)) for i in range(STRIKES - 1))
    assert ladder.strike(STRIKES - 1.0)
    ladder.reset()
    spaced = [ladder.strike(i * (WINDOW_S + 1)) for i in range(STRIKES * 2)]
    assert not any(spaced), "strikes further apart than the window never add up"


def test_a_report_is_a_strike_from_the_loss_fraction() -> None:
    assert lossy(round(LOSS_FRACTION * 256) + 1) and lossy(255)
    assert not lossy(0) and not lossy(int(LOSS_FRACTION * 256) - 1)


async def test_an_overflowing_queue_calls_its_viewer_back_and_detach_empties_it() -> None:
    overflowed: list[int] = []
    track = ForwardTrack("video", lambda: None, RelayStats(), limit=2)
    track.reading = True
    track.on_overflow = lambda: overflowed.append(track.overflows)
    for _ in range(3):
        track.offer(av.Packet(b"\x00k"), True)
    assert overflowed == [1]
    track.offer(av.Packet(b"\x00k"), True)
    track.detach()
    assert not track.keyed
    track.offer(av.Packet(b"\x01d"), False)  # after detaching, only a keyframe restarts it
    track.offer(av.Packet(b"\x00k"), True)
    assert bytes(await asyncio.wait_for(track.recv(), 1)) == b"\x00k"
    track.stop()
