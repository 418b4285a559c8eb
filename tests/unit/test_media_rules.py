"""The pure rules of media: rights, TURN credentials, SDP facts, keyframes, the throttle."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from plenary.errors import Code, ProtocolError
from plenary.features.media.rules import (
    Scope,
    Throttle,
    check_publish,
    check_sdp,
    check_unpublish,
    check_watch,
    ice_servers,
    is_keyframe,
    media_ssrcs,
    scope_of,
    turn_credentials,
)
from plenary.messages import Role

SESSION, ROOM = Scope("session", "opening"), Scope("room", "r1")


def code(call: object, *args: object, **kwargs: object) -> str | None:
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except ProtocolError as exc:
        return exc.code.value
    return None


def test_scope_is_exactly_one_of_session_and_room() -> None:
    assert scope_of("opening", None) == SESSION
    assert scope_of(None, "r1") == ROOM
    assert code(scope_of, None, None) == "bad_request"
    assert code(scope_of, "opening", "r1") == "bad_request"
    assert Scope.parse(str(ROOM)) == ROOM
    with pytest.raises(ValueError):
        Scope.parse("user:x")


@pytest.mark.parametrize(("role", "expected"), [
    (Role.attendee, "forbidden"), (Role.speaker, None), (Role.moderator, None)])
def test_speakers_and_moderators_publish_to_a_session(role: Role, expected: str | None) -> None:
    assert code(check_publish, role, SESSION, room_member=False) == expected


@pytest.mark.parametrize("role", list(Role))
def test_room_members_publish_to_their_room_whatever_their_role(role: Role) -> None:
    assert code(check_publish, role, ROOM, room_member=True) is None
    assert code(check_publish, role, ROOM, room_member=False) == "forbidden"


def test_who_may_watch() -> None:
    assert code(check_watch, SESSION, room_member=False) is None  # joined: the dispatcher's
    assert code(check_watch, ROOM, room_member=True) is None
    assert code(check_watch, ROOM, room_member=False) == "forbidden"


def test_who_may_unpublish() -> None:
    assert code(check_unpublish, "u1", Role.speaker, "u1") is None
    assert code(check_unpublish, "u2", Role.moderator, "u1") is None
    assert code(check_unpublish, "u2", Role.speaker, "u1") == "forbidden"


def test_turn_rest_credentials() -> None:
    username, credential = turn_credentials("s3cret", "alice", now=1000.0, ttl_s=3600)
    assert username == "4600:alice"
    expected = hmac.new(b"s3cret", b"4600:alice", hashlib.sha1).digest()
    assert base64.b64decode(credential) == expected


def test_ice_servers_default_to_none() -> None:
    assert ice_servers((), None, "alice", 0, 60) == []
    assert ice_servers((), "secret", "alice", 0, 60) == []


def test_ice_servers_give_turn_short_lived_credentials_never_the_secret() -> None:
    urls = ("stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp",
            "turns:turn.example.org:5349")
    servers = ice_servers(urls, "the-static-secret", "alice", now=0, ttl_s=600)
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    turn = servers[1]
    assert turn["urls"] == list(urls[1:])
    assert turn["username"] == "600:alice"
    assert "the-static-secret" not in str(servers)
    assert ice_servers(urls[1:], None, "alice", 0, 60) == [{"urls": list(urls[1:])}]


OFFER = """v=0
o=- 1 1 IN IP4 0.0.0.0
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 111
a=ssrc:1111 cname:x
a=candidate:1 1 udp 1 10.0.0.1 5000 typ host
m=video 9 UDP/TLS/RTP/SAVPF 96 97
a=ssrc-group:FID 2222 3333
a=ssrc:3333 cname:x
a=ssrc:2222 cname:x
"""


def test_media_ssrcs_take_the_media_ssrc_of_the_fid_group() -> None:
    assert media_ssrcs(OFFER) == {"audio": 1111, "video": 2222}
    no_rtx = OFFER.replace("a=ssrc-group:FID 2222 3333\n", "")
    assert media_ssrcs(no_rtx)["video"] == 3333  # the first one named


def test_check_sdp() -> None:
    assert code(check_sdp, OFFER) is None
    assert code(check_sdp, "hello") == "bad_request"
    assert code(check_sdp, "v=0\r\ns=-\r\n") == "bad_request"
    two_videos = OFFER + OFFER[OFFER.index("m=video"):]
    assert code(check_sdp, two_videos) == "bad_request"
    trickle = OFFER.replace("a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\n", "")
    with pytest.raises(ProtocolError) as caught:
        check_sdp(trickle)
    assert caught.value.code is Code.bad_request and "no trickle" in caught.value.message


def test_keyframes() -> None:
    assert is_keyframe("VP8", bytes([0x10, 0x02, 0x00]))  # bit 0 clear: key frame
    assert not is_keyframe("VP8", bytes([0x11, 0x02, 0x00]))
    assert not is_keyframe("vp8", b"")
    idr = b"\x00\x00\x00\x01\x67\x42" + b"\x00\x00\x01\x65\x88"
    delta = b"\x00\x00\x00\x01\x41\x9a"
    assert is_keyframe("H264", idr)
    assert not is_keyframe("H264", delta)
    assert is_keyframe("opus", b"\x01")


def test_throttle_allows_one_per_interval_and_owes_the_rest() -> None:
    throttle = Throttle(0.5)
    assert throttle.ask(10.0) == 0
    assert throttle.ask(10.1) == pytest.approx(0.4)
    assert throttle.ask(10.2) == pytest.approx(0.3)
    assert throttle.due(10.5) is True
    assert throttle.due(10.6) is False, "owed once, paid once"
    assert throttle.ask(11.0) == 0
