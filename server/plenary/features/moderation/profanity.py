"""The profanity filter: glin-profanity's maintained word lists (English and French by default).

No I/O once built. `found` says whether a text uses a listed word; `mask` replaces each such
word by asterisks of its length, keeping everything else as written.
"""

from __future__ import annotations

from glin_profanity import Filter

KNOWN = frozenset({"arabic", "chinese", "czech", "danish", "dutch", "english", "esperanto",
                   "finnish", "french", "german", "hindi", "hungarian", "italian", "japanese",
                   "korean", "norwegian", "persian", "polish", "portuguese", "russian",
                   "spanish", "swedish", "thai", "turkish"})


class Profanity:
    def __init__(self, languages: tuple[str, ...]) -> None:
        chosen = [lang.lower() for lang in languages if lang.lower() in KNOWN]
        self.languages = tuple(chosen)
        self._filter = Filter({"languages": chosen}) if chosen else None

    def found(self, text: str) -> bool:
        return self._filter is not None and bool(self._filter.is_profane(text))

    def mask(self, text: str) -> str:
        if self._filter is None:
            return text
        result = self._filter.check_profanity(text)
        if not result["contains_profanity"]:
            return text
        spans = sorted((m["index"], len(m["word"])) for m in result["matches"])
        out, at = [], 0
        for start, length in spans:
            if start < at:  # overlapping matches: the first one masked it
                continue
            out.append(text[at:start])
            out.append("*" * length)
            at = start + length
        out.append(text[at:])
        return "".join(out)
