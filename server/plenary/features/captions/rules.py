"""The rules of live captions, pure: what a line is, which lines a viewer gets, the transcript.

A caption source is whoever sends `caption.line`: a human captioner typing (CART), or an
automatic speech-to-text engine joined with the captioner role. An engine sends *interim*
lines (`final: false`) as it hears, each with the id of the line it is building, and then
the final one with the same id; a human sends final lines only. Interim lines are shown,
never kept: the transcript and late joiners get final lines only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec
import webvtt

Source = Literal["human", "asr"]
LINE_MAX = 500  # characters after trimming: one or two lines on a screen
RECENT = 20  # final lines per language a joiner gets
SHOW_MS = 4000  # how long a line stays up in a WebVTT file, at most (until the next one)


class Line(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    session: str
    lang: str
    text: str
    at: int  # ms since the epoch
    by: str  # the captioner's user id (never shown to viewers)
    source: Source = "human"
    final: bool = True

    def public(self) -> dict[str, object]:
        """The wire view: everything but who typed it."""
        return {"id": self.id, "lang": self.lang, "text": self.text, "at": self.at,
                "source": self.source, "final": self.final}


def recent(lines: Iterable[Line], n: int = RECENT) -> list[Line]:
    """The last `n` final lines of each language, oldest first."""
    by_lang: dict[str, list[Line]] = {}
    for line in sorted(lines, key=lambda x: (x.at, x.id)):
        if line.final:
            by_lang.setdefault(line.lang, []).append(line)
    kept = [line for group in by_lang.values() for line in group[-n:]]
    return sorted(kept, key=lambda x: (x.at, x.id))


def languages(lines: Iterable[Line]) -> list[str]:
    return sorted({line.lang for line in lines})


def _stamp(ms: int) -> str:
    s, ms = divmod(max(ms, 0), 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt(lines: Iterable[Line], lang: str, start_ms: int) -> str:
    """A WebVTT file of one language's final lines, timed from `start_ms` (a recording's
    start, or the first line): each line shows until the next, at most `SHOW_MS`."""
    chosen = sorted((x for x in lines if x.final and x.lang == lang), key=lambda x: x.at)
    captions = []
    for i, line in enumerate(chosen):
        begin = line.at - start_ms
        if begin < 0:
            continue
        nxt = chosen[i + 1].at - start_ms if i + 1 < len(chosen) else begin + SHOW_MS
        end = min(nxt, begin + SHOW_MS)
        captions.append(webvtt.Caption(_stamp(begin), _stamp(max(end, begin + 1)), line.text))
    return str(webvtt.WebVTT(captions=captions).content)
