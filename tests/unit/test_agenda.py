from __future__ import annotations

from pathlib import Path

import pytest

from plenary.agenda import load_agenda_file, load_agendas, parse_event
from plenary.errors import ProtocolError

ROOT = Path(__file__).parents[2]
CODES = {"attendee": "aaaa", "speaker": "ssss", "moderator": "mmmm"}


def test_the_demo_conferences_load() -> None:
    events = {e.id: e for e in load_agendas(ROOT / "config" / "demo")}
    assert set(events) == {"hrm-2021", "wellbeing-2022"}
    hrm = events["hrm-2021"]
    assert len(hrm.sessions) >= 6 and hrm.session("resilience") is not None
    assert "codes" not in hrm.public()


def test_the_toml_template_loads() -> None:
    event = load_agenda_file(ROOT / "config" / "example-agenda.toml")
    assert event.session("module-1").qa_moderated is False  # type: ignore[union-attr]


@pytest.mark.parametrize(("change", "words"), [
    ({"id": "Bad Id"}, "data.id"),
    ({"sessions": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}, "unique"),
    ({"codes": {"attendee": "same", "speaker": "same", "moderator": "mmmm"}}, "own join code"),
    ({"title": ""}, "data.title"),
])
def test_invalid_definitions_say_why(change: dict[str, object], words: str) -> None:
    definition = {"id": "ev", "title": "T", "codes": CODES, "sessions": [], **change}
    with pytest.raises(ProtocolError, match=words):
        parse_event(definition)


def test_sessions_are_moderated_unless_the_organiser_says_otherwise() -> None:
    event = parse_event({"id": "ev", "title": "T", "codes": CODES,
                         "sessions": [{"id": "s", "title": "S"}]})
    assert event.sessions[0].qa_moderated is True
