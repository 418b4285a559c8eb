"""Live captions' pure rules: what joiners get, the languages, the WebVTT transcript."""

from __future__ import annotations

import webvtt

from plenary.features.captions import rules
from plenary.features.captions.rules import Line


def line(n: int, lang: str = "en", at: int | None = None, final: bool = True) -> Line:
    return Line(id=f"c{n}", session="s", lang=lang, text=f"line {n}", at=at or 1000 * n,
                by="u-captioner", final=final)


def test_public_view_hides_who_typed_the_line() -> None:
    view = line(1).public()
    assert "by" not in view
    assert view == {"id": "c1", "lang": "en", "text": "line 1", "at": 1000,
                    "source": "human", "final": True}


def test_recent_keeps_the_last_final_lines_of_each_language_in_time_order() -> None:
    lines = [line(n) for n in range(1, 31)] + [line(100 + n, "fr", at=500 * n + 1)
                                                for n in range(1, 4)]
    lines.append(line(99, final=False, at=40_000))  # an engine's interim: never kept
    kept = rules.recent(lines, n=20)
    english = [x.id for x in kept if x.lang == "en"]
    assert english == [f"c{n}" for n in range(11, 31)]
    assert [x.id for x in kept if x.lang == "fr"] == ["c101", "c102", "c103"]
    assert [x.at for x in kept] == sorted(x.at for x in kept)


def test_languages_are_sorted_and_unique() -> None:
    assert rules.languages([line(1, "fr"), line(2, "en"), line(3, "fr")]) == ["en", "fr"]


def test_vtt_times_lines_from_the_start_until_the_next_line_at_most_four_seconds() -> None:
    lines = [line(1, at=10_000), line(2, at=12_500), line(3, at=30_000),
             line(4, "fr", at=11_000), line(5, at=31_000, final=False)]
    text = rules.vtt(lines, "en", start_ms=9_000)
    captions = webvtt.from_string(text)
    assert [(c.start, c.end, c.text) for c in captions] == [
        ("00:00:01.000", "00:00:03.500", "line 1"),
        ("00:00:03.500", "00:00:07.500", "line 2"),
        ("00:00:21.000", "00:00:25.000", "line 3"),
    ]


def test_vtt_leaves_out_lines_from_before_the_start() -> None:
    text = rules.vtt([line(1, at=1000), line(2, at=5000)], "en", start_ms=2000)
    assert [c.text for c in webvtt.from_string(text)] == ["line 2"]
