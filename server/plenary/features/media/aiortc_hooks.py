"""Every private aiortc name the relay relies on, in one place.

aiortc has no public API for what an encode-once relay needs: taking a receiver's complete
encoded frames instead of decoding them, hearing RTCP on a receiver or a sender, turning a
viewer's keyframe request into our own, sending a PLI upstream, and reading the codecs a
transceiver negotiated. These functions do it through aiortc's private attributes, verified
against the versions `pyproject.toml` allows; `tests/unit/test_aiortc_hooks.py` fails as
soon as an installed aiortc lacks one of the names in `PRIVATE_NAMES`. The rest of the media
package speaks only aiortc's public API and this module.
"""

from __future__ import annotations

import queue
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpCodecParameters, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcrtptransceiver import RTCRtpTransceiver
from aiortc.rtp import RtcpRrPacket, RtcpSrPacket

# (owner, attribute): what this module touches. The receiver's decoder queue is an
# instance attribute (name-mangled), the rest are methods or instance attributes.
DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("RTCRtpReceiver", DECODER_QUEUE),
    ("RTCRtpReceiver", "_handle_rtcp_packet"),
    ("RTCRtpReceiver", "_send_rtcp_pli"),
    ("RTCRtpSender", "_handle_rtcp_packet"),
    ("RTCRtpSender", "_send_keyframe"),
    ("RTCRtpTransceiver", "_codecs"),
)


def tap_decoder(receiver: RTCRtpReceiver, tap: queue.Queue[Any]) -> None:
    """Hand the receiver's complete encoded frames, `(codec, frame)`, to `tap.put` instead of
    its decoder thread (`None` is put when the receiver stops). Call it before the receiver
    starts, i.e. from the peer connection's `track` event."""
    setattr(receiver, DECODER_QUEUE, tap)


def on_rtcp(endpoint: RTCRtpReceiver | RTCRtpSender, heard: Callable[[], None]) -> None:
    """Call `heard()` for every RTCP packet the receiver or sender gets (then aiortc's own
    handling): proof that the other end is still there."""
    handle: Callable[[Any], Awaitable[None]] = endpoint._handle_rtcp_packet

    async def on_packet(packet: Any) -> None:
        heard()
        await handle(packet)

    endpoint._handle_rtcp_packet = on_packet  # type: ignore[method-assign]


def on_loss_report(sender: RTCRtpSender, lost: Callable[[int], None]) -> None:
    """Call `lost(fraction_lost)` (0-255, RFC 3550) for each receiver report block the
    viewer sends about this sender's stream (then aiortc's own handling)."""
    handle: Callable[[Any], Awaitable[None]] = sender._handle_rtcp_packet

    async def on_packet(packet: Any) -> None:
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                lost(report.fraction_lost)
        await handle(packet)

    sender._handle_rtcp_packet = on_packet  # type: ignore[method-assign]


def on_keyframe_request(sender: RTCRtpSender, ask: Callable[[], None]) -> None:
    """A PLI or FIR from the viewer calls `ask()` instead of forcing aiortc's encoder (a
    relayed sender has none: the keyframe must come from upstream)."""
    sender._send_keyframe = ask  # type: ignore[method-assign]


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Ask the sender of `media_ssrc` for a keyframe (RTCP PLI)."""
    await receiver._send_rtcp_pli(media_ssrc)


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    """The codecs a transceiver agreed on, in order, without RTX."""
    return [c for c in transceiver._codecs if not c.mimeType.lower().endswith("/rtx")]


def missing(pc: RTCPeerConnection) -> list[str]:
    """The names of `PRIVATE_NAMES` the installed aiortc lacks (for the unit test); instance
    attributes are looked for on a new transceiver of `pc`."""
    transceiver = pc.addTransceiver("video", direction="recvonly")
    owners = {"RTCRtpReceiver": transceiver.receiver, "RTCRtpSender": transceiver.sender,
              "RTCRtpTransceiver": transceiver}
    return [f"{owner}.{name}" for owner, name in PRIVATE_NAMES
            if not hasattr(owners[owner], name)]
