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


def test_interpretation_is_audio_on_a_stage_with_a_language() -> None:
    from plenary.errors import ProtocolError
    from plenary.features.media.interpretation import (
        check_interpretation,
        check_not_interpretation,
    )
    from plenary.features.media.rules import Scope
    from plenary.messages import Role

    audio = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    both = audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    stage = Scope("session", "opening")

    def code(*args: object) -> str | None:
        try:
            check_interpretation(*args)  # type: ignore[arg-type]
        except ProtocolError as exc:
            return str(exc.code)
        return None

    assert code(Role.interpreter, stage, "fr", audio) is None
    assert code(Role.moderator, stage, "fr", audio) is None
    assert code(Role.captioner, stage, "fr", audio) == "forbidden"
    assert code(Role.interpreter, Scope("room", "r1"), "fr", audio) == "bad_request"
    assert code(Role.interpreter, stage, None, audio) == "bad_request"
    assert code(Role.interpreter, stage, "fr", both) == "bad_request"
    check_not_interpretation(None)
    try:
        check_not_interpretation("fr")
    except ProtocolError as exc:
        assert str(exc.code) == "bad_request"
    else:
        raise AssertionError("a camera with a language is refused")
