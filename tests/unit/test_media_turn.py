"""The server's own peer connections never wait on TURN; clients still get TURN credentials."""

from __future__ import annotations

from plenary.features.media.relay import configuration
from plenary.features.media.rules import ice_servers


def test_the_server_uses_stun_but_never_turn() -> None:
    ice = ice_servers(("stun:stun.example.org:3478", "turn:10.255.255.1:3478",
                       "turns:turn.example.org:5349"), "s3cret", "u1", 1000.0, 3600)
    assert any("turn" in str(s["urls"]) for s in ice)  # what clients get
    used = configuration(ice).iceServers or []
    assert [s.urls for s in used] == [["stun:stun.example.org:3478"]]
