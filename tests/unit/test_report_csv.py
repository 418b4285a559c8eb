from __future__ import annotations

from plenary.http.report import safe_cell, to_csv


def test_formulas_are_defused_but_numbers_are_kept() -> None:
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("@cmd") == "'@cmd"
    assert safe_cell("-3") == "-3" and safe_cell(4) == "4"
    assert safe_cell(None) == "" and safe_cell(True) == "yes"


def test_sections_have_their_own_header_rows() -> None:
    text = to_csv({"event": {"title": "Conf"}, "session": {"title": "Opening"}},
                  {"questions": [{"text": "Zoë, ça va ?", "votes": 3}]})
    assert text.splitlines() == ["event,Conf", "session,Opening", "", "questions",
                                 "text,votes", '"Zoë, ça va ?",3']
