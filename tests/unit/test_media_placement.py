"""The pure rules of media across processes: where a viewer is served, where a leg is
pulled from (a cascade when the origin is full), and the address an SDP advertises."""

from __future__ import annotations

from plenary.features.media.rules import (
    Load,
    advertise,
    holders,
    leg_source,
    offered_kinds,
    viewer_host,
)

P = "p-1"


def loads(*items: Load) -> dict[str, Load]:
    return {load.node: load for load in items}


def test_a_viewer_is_served_where_it_asks_while_that_process_has_room() -> None:
    book = loads(Load("o", 5, 5), Load("me", 9, 10))
    assert viewer_host("me", book, P, "o") == "me"
    assert viewer_host("me", loads(Load("o", 50)), P, "o") == "me", "no cap: always here"


def test_a_full_process_hands_the_viewer_to_the_least_loaded_holder_with_room() -> None:
    book = loads(Load("me", 10, 10, frozenset({P})), Load("o", 3, 3),
                 Load("r1", 7, 10, frozenset({P})), Load("r2", 4, 10, frozenset({P})),
                 Load("idle", 0, 10))
    assert viewer_host("me", book, P, "o") == "r2", "the origin is full; idle holds no leg"
    book["r2"] = Load("r2", 10, 10, frozenset({P}))
    assert viewer_host("me", book, P, "o") == "r1"
    book["r1"] = Load("r1", 10, 10, frozenset({P}))
    assert viewer_host("me", book, P, "o") is None


def test_a_leg_comes_from_the_origin_unless_it_is_full_then_from_a_relay() -> None:
    book = loads(Load("o", 2, 3), Load("r1", 1, 10, frozenset({P})))
    assert leg_source("me", book, P, "o") == "o"
    book["o"] = Load("o", 3, 3)
    assert leg_source("me", book, P, "o") == "r1", "cascade: origin -> r1 -> me"
    book["r1"] = Load("r1", 10, 10, frozenset({P}))
    assert leg_source("me", book, P, "o") is None
    assert leg_source("me", {}, P, "o") == "o", "an origin that did not advertise yet"


def test_holders_are_the_origin_and_the_relays_of_that_publisher_least_loaded_first() -> None:
    book = loads(Load("r1", 4, pulls=frozenset({P})), Load("r2", 1, pulls=frozenset({"p-2"})),
                 Load("o", 2))
    assert [h.node for h in holders(book, P, "o")] == ["o", "r1"]


SDP = "\r\n".join([
    "v=0", "m=video 40000 UDP/TLS/RTP/SAVPF 97", "c=IN IP4 10.0.0.5",
    "a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host",
    "a=candidate:2 1 udp 2130706431 192.168.1.9 40001 typ host",
    "a=candidate:3 1 udp 2130706431 fe80::1 40002 typ host",
    "a=candidate:4 1 udp 1694498815 203.0.113.7 40000 typ srflx raddr 10.0.0.5 rport 40000",
    ""])


def test_no_address_leaves_the_sdp_as_gathered() -> None:
    assert advertise(SDP, "") == SDP


def test_an_own_address_keeps_only_its_host_candidates() -> None:
    out = advertise(SDP, "192.168.1.9")
    assert "192.168.1.9 40001 typ host" in out
    assert "10.0.0.5 40000 typ host" not in out and "fe80::1" not in out
    assert "typ srflx" in out and "c=IN IP4 192.168.1.9" in out


def test_a_nat_address_replaces_every_ipv4_host_address_ports_kept() -> None:
    out = advertise(SDP, "198.51.100.4")
    assert "198.51.100.4 40000 typ host" in out and "198.51.100.4 40001 typ host" in out
    assert "fe80::1" not in out and "10.0.0.5 40000 typ host" not in out


def test_a_viewer_gets_the_kinds_its_offer_asks_for_in_order() -> None:
    assert offered_kinds("v=0\r\nm=audio 9 x\r\nm=video 9 x\r\nm=video 9 x\r\n") == [
        "audio", "video"]
    assert offered_kinds("v=0\r\nm=video 9 x\r\nm=application 9 x\r\n") == ["video"]
