"""The organiser's day without a server: roles from claims, token settings, the links handed
out, short codes and times in agenda definitions."""

from __future__ import annotations

import pytest

from plenary.agenda import parse_event
from plenary.auth import External, map_role, tokens_for
from plenary.errors import ProtocolError
from plenary.links import base_url, join_link, lan_address
from plenary.messages import Role
from plenary.settings import Settings, SettingsError

EXTERNAL = External(jwks_url="http://idp/jwks", issuer=None, audience="plenary",
                    roles={"mods": Role.moderator, "faculty": Role.speaker},
                    organisers=frozenset({"admins"}))


def definition(**extra: object) -> dict[str, object]:
    return {"id": "ev", "title": "T", "sessions": [],
            "codes": {"attendee": "aaaa", "speaker": "bbbb", "moderator": "cccc"}, **extra}


def test_the_highest_mapped_role_wins_and_unknown_values_are_attendees() -> None:
    assert map_role(["faculty", "mods"], EXTERNAL) == (Role.moderator, False)
    assert map_role("faculty", EXTERNAL) == (Role.speaker, False)
    assert map_role(["students"], EXTERNAL) == (Role.attendee, False)
    assert map_role(None, EXTERNAL) == (Role.attendee, False)
    assert map_role(["admins"], EXTERNAL) == (Role.attendee, True)


def test_role_mappings_in_settings_are_checked() -> None:
    settings = Settings(demo=True, jwks_url="http://idp/jwks", jwt_roles=("mods=owner",))
    with pytest.raises(SettingsError, match="PLENARY_JWT_ROLES"):
        tokens_for(settings)
    tokens = tokens_for(Settings(demo=True, jwks_url="http://idp/jwks",
                                 jwt_roles=("a=b=moderator",)))
    assert tokens.external is not None and tokens.external.roles == {"a=b": Role.moderator}
    assert tokens_for(Settings(demo=True)).external is None


def test_links_use_the_public_url_or_the_lan_address_for_loopback() -> None:
    event = parse_event(definition())
    assert base_url(Settings(demo=True, public_url="https://conf.example.org/")) == \
        "https://conf.example.org"
    assert base_url(Settings(demo=True), "http://10.1.2.3:8000/") == "http://10.1.2.3:8000"
    local = base_url(Settings(demo=True, host="127.0.0.1"), "http://localhost:8000/")
    assert local == "http://localhost:8000"
    lan = lan_address()
    wide = base_url(Settings(demo=True, host="0.0.0.0"), "http://localhost:8000/")
    assert wide == (f"http://{lan}:8000" if lan else "http://localhost:8000")
    assert join_link("https://x", event) == "https://x/#/join?event=ev&code=aaaa"
    coded = parse_event(definition(short_code="wellbeing22"))
    assert coded.short_code == "WELLBEING22"
    assert join_link("https://x", coded) == "https://x/#/join?code=WELLBEING22"


@pytest.mark.parametrize(("extra", "why"), [
    ({"short_code": "no spaces"}, "short_code"),
    ({"timezone": "Mars/Olympus"}, "IANA"),
    ({"sessions": [{"id": "a", "title": "A", "starts_at": "2022-06-14 09:00"}]}, "offset"),
    ({"sessions": [{"id": "a", "title": "A", "starts_at": "tomorrow"}]}, "ISO 8601"),
    ({"codes": {"attendee": "aaaa", "speaker": "bbbb", "moderator": "cccc",
                "display": "aaaa"}}, "own join code"),
])
def test_flawed_definitions_say_why(extra: dict[str, object], why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        parse_event(definition(**extra))


def test_start_up_says_who_can_reach_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    from plenary.__main__ import print_reach

    print_reach(Settings(demo=True, host="0.0.0.0"), "http://192.0.2.7:8000")
    said = capsys.readouterr().out
    assert "http://192.0.2.7:8000" in said and "HTTPS" in said
    print_reach(Settings(demo=True, host="127.0.0.1"), "http://localhost:8000")
    assert "HOST=0.0.0.0" in capsys.readouterr().out
