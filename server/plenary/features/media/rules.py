"""The pure rules of media: who may publish or watch where, ICE servers, TURN credentials,
and the facts read from an SDP offer. No asyncio, no aiortc: values in, values out.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
from typing import Any, Literal

from ...errors import bad_request, forbidden
from ...messages import Role

Kind = Literal["camera", "screen", "interpretation"]  # interpretation.py: audio, a lang
ScopeKind = Literal["session", "room"]


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    """Where a publisher is live: a session (its stage) or a breakout room."""

    kind: ScopeKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        kind, _, ident = text.partition(":")
        if kind not in ("session", "room") or not ident:
            raise ValueError(f"not a media scope: {text!r}")
        return cls(kind, ident)  # type: ignore[arg-type]


def scope_of(session: str | None, room: str | None) -> Scope:
    """Exactly one of `session` and `room` names where to publish."""
    if (session is None) == (room is None):
        raise bad_request("data: give exactly one of `session` and `room`.")
    if session is not None:
        return Scope("session", session)
    assert room is not None
    return Scope("room", room)


def check_publish(role: Role, scope: Scope, *, room_member: bool,
                  on_stage: bool = False) -> None:
    """Speakers and moderators publish to a session (which they joined: the dispatcher's
    guard), and attendees a moderator brought on stage; members to their room."""
    if scope.kind == "session":
        if role < Role.speaker and not on_stage:
            raise forbidden("Only speakers, moderators and attendees on stage publish to a "
                            "session.")
    elif not room_member:
        raise forbidden(f"Only members of room `{scope.id}` publish to it.")


def check_watch(scope: Scope, *, room_member: bool) -> None:
    """A session's publishers are watched by those in the session (the joined guard); a
    room's by its members."""
    if scope.kind == "room" and not room_member:
        raise forbidden(f"Only members of room `{scope.id}` watch its publishers.")


def check_unpublish(user_id: str, role: Role, owner: str) -> None:
    """A publisher is stopped by the person who publishes, or by a moderator."""
    if user_id != owner and role < Role.moderator:
        raise forbidden("Only its publisher or a moderator stops it.")


# -- ICE servers -----------------------------------------------------------------------------
def turn_credentials(secret: str, user: str, now: float, ttl_s: int) -> tuple[str, str]:
    """The TURN REST scheme: username `expiry:user`, password base64(HMAC-SHA1(secret, it))."""
    username = f"{int(now) + ttl_s}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(urls: tuple[str, ...], turn_secret: str | None, user: str, now: float,
                ttl_s: int) -> list[dict[str, Any]]:
    """RTCIceServer dicts for a client: STUN as is; TURN with short-lived credentials.

    Without a TURN secret a TURN URL is passed on bare (the TURN server may allow it);
    the static secret itself never leaves the server.
    """
    stun = [u for u in urls if not u.startswith(("turn:", "turns:"))]
    turn = [u for u in urls if u.startswith(("turn:", "turns:"))]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    if turn and turn_secret:
        username, credential = turn_credentials(turn_secret, user, now, ttl_s)
        servers.append({"urls": turn, "username": username, "credential": credential})
    elif turn:
        servers.append({"urls": turn})
    return servers


# -- SDP facts -------------------------------------------------------------------------------
_FID = re.compile(r"^a=ssrc-group:FID (\d+)(?: \d+)*\s*$", re.M)
_SSRC = re.compile(r"^a=ssrc:(\d+) ", re.M)


def media_sections(sdp: str) -> list[str]:
    """The m= sections of an SDP, each as its text (the session part dropped)."""
    parts = re.split(r"(?m)^(?=m=)", sdp)
    return [p for p in parts if p.startswith("m=")]


def offered_kinds(sdp: str) -> list[str]:
    """The kinds ('audio', 'video') of an SDP's media sections, in order, each once."""
    kinds = [s[2:].split(" ", 1)[0] for s in media_sections(sdp)]
    return [k for i, k in enumerate(kinds) if k in ("audio", "video") and k not in kinds[:i]]


def media_ssrcs(sdp: str) -> dict[str, int]:
    """kind ('audio' | 'video') -> the SSRC its media goes out on.

    A video section with RTX names `a=ssrc-group:FID <media> <rtx>`: the first is the one a
    PLI must address (addressing the RTX SSRC makes a browser ignore the request).
    """
    found: dict[str, int] = {}
    for section in media_sections(sdp):
        kind = section[2:].split(" ", 1)[0]
        if kind in found:
            continue
        group = _FID.search(section)
        single = _SSRC.search(section)
        if group:
            found[kind] = int(group.group(1))
        elif single:
            found[kind] = int(single.group(1))
    return found


def check_sdp(sdp: str, field: str = "data.sdp") -> None:
    """An offer must be a complete SDP with one audio and/or one video section."""
    if not sdp.startswith("v=0"):
        raise bad_request(f"{field}: not an SDP offer (it must start with `v=0`).")
    kinds = [s[2:].split(" ", 1)[0] for s in media_sections(sdp)]
    if not set(kinds) & {"audio", "video"}:
        raise bad_request(f"{field}: the offer has no audio or video section.")
    if kinds.count("audio") > 1 or kinds.count("video") > 1:
        raise bad_request(f"{field}: at most one audio and one video section (publish a "
                          "camera and a screen separately).")
    if "a=candidate:" not in sdp:
        raise bad_request(f"{field}: the offer has no ICE candidate: wait for gathering to "
                          "complete (no trickle).")


# -- keyframes -------------------------------------------------------------------------------
def is_keyframe(codec: str, data: bytes) -> bool:
    """Does this complete encoded frame start a picture a new viewer can decode?"""
    name = codec.lower()
    if name == "vp8":
        # RFC 6386 9.1: bit 0 of the frame tag is 0 on a key frame.
        return len(data) > 0 and data[0] & 0x01 == 0
    if name == "h264":
        return any(nal in (5, 7) for nal in _h264_nal_types(data))
    return True  # audio: every frame stands alone


def _h264_nal_types(data: bytes) -> list[int]:
    types = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0 and i + 3 < len(data):
        types.append(data[i + 3] & 0x1F)
        i = data.find(b"\x00\x00\x01", i + 3)
    return types


class Throttle:
    """At most one action per `interval_s`; a request inside the window is owed, not lost."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.last: float | None = None
        self.owed = False

    def ask(self, now: float) -> float:
        """0: act now; otherwise the delay after which the owed action is due."""
        if self.last is None or now - self.last >= self.interval_s:
            self.last = now
            self.owed = False
            return 0.0
        self.owed = True
        return self.last + self.interval_s - now

    def due(self, now: float) -> bool:
        """The owed action, when its time came: True once, then nothing is owed."""
        if not self.owed:
            return False
        self.last, self.owed = now, False
        return True


# -- the address a process advertises --------------------------------------------------------
_HOST = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ host")


def advertise(sdp: str, address: str) -> str:
    """This process's SDP with its host candidates on `address` (a setting; empty: as
    gathered). If some candidates are on that address, only those are kept (a process with
    several interfaces offers the one its peers reach); if none is (the process sits behind
    a 1:1 NAT), every IPv4 host candidate keeps its port and takes that address, and IPv6
    host candidates are dropped. Other candidates (server-reflexive, relayed) are kept."""
    if not address:
        return sdp
    lines = sdp.split("\r\n")
    hosts = [m.group(1) for line in lines if (m := _HOST.match(line))]
    local = address in hosts
    out = []
    for line in lines:
        found = _HOST.match(line)
        if found is None:
            out.append(re.sub(r"^c=IN IP4 \S+$", f"c=IN IP4 {address}", line))
        elif found.group(1) == address or (not local and "." in found.group(1)):
            start, end = found.span(1)
            out.append(line[:start] + address + line[end:])
        # else: a host candidate on another address, not advertised
    return "\r\n".join(out)


# -- capacity and placement ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class Load:
    """What a process sends (viewers plus relay legs to other processes), its cap on that
    (0: none), and which publishers it pulls a leg of, as it advertised them."""

    node: str
    sending: int = 0
    cap: int = 0
    pulls: frozenset[str] = frozenset()

    @property
    def has_room(self) -> bool:
        return self.cap <= 0 or self.sending < self.cap


def holders(loads: dict[str, Load], publisher: str, origin: str) -> list[Load]:
    """The processes that can feed `publisher` without pulling it anew: its origin and the
    relays that hold a leg of it, least loaded first."""
    found = [load for load in loads.values()
             if load.node == origin or publisher in load.pulls]
    if origin not in loads:
        found.append(Load(origin))  # not advertised yet: it just started
    return sorted(found, key=lambda load: (load.sending, load.node))


def viewer_host(me: str, loads: dict[str, Load], publisher: str, origin: str) -> str | None:
    """Where a new viewer asking at process `me` is served: `me` while it has room;
    otherwise the least-loaded process that already holds the publisher (origin or leg) and
    has room; None if none has."""
    if loads.get(me, Load(me)).has_room:
        return me
    return next((h.node for h in holders(loads, publisher, origin)
                 if h.node != me and h.has_room), None)


def leg_source(me: str, loads: dict[str, Load], publisher: str, origin: str) -> str | None:
    """Where process `me` pulls its leg of `publisher` from: the origin while it has room;
    otherwise (a cascade) the least-loaded relay that already pulls it and has room; None
    if none has."""
    if loads.get(origin, Load(origin)).has_room:
        return origin
    return next((h.node for h in holders(loads, publisher, origin)
                 if h.node != me and h.has_room), None)
