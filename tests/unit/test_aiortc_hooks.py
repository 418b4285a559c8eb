"""The private aiortc names the relay uses (features/media/aiortc_hooks.py) exist in the
installed aiortc, and the version is one pyproject.toml allows (the cap is what was verified).
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from aiortc import RTCConfiguration, RTCPeerConnection

from plenary.features.media import aiortc_hooks

ROOT = Path(__file__).resolve().parents[2]


async def test_every_private_name_exists_in_the_installed_aiortc() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert aiortc_hooks.missing(pc) == []
    finally:
        await pc.close()


def test_the_installed_aiortc_is_within_the_verified_cap() -> None:
    spec = re.search(r'"aiortc>=([\d.]+),<([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert spec, "pyproject.toml caps aiortc at the version its private hooks were checked on"
    installed = tuple(int(p) for p in version("aiortc").split(".")[:2])
    low, high = (tuple(int(p) for p in v.split(".")[:2]) for v in spec.groups())
    assert low <= installed < high
