"""Similar-question hints, with no I/O: does a new question look like one already asked?

rapidfuzz's token-set ratio on case-folded text: word order and repeated words do not matter,
so "How do we stay resilient?" and "how do we stay resilient as a team" match.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

from .rules import Question

THRESHOLD = 80  # of 100: above it, a moderator sees the hint
LIVE = ("pending", "visible")


def most_similar(text: str, questions: Iterable[Question],
                 threshold: int = THRESHOLD) -> str | None:
    """The id of the live question most like `text` (oldest on a tie), or None."""
    live = sorted((q for q in questions if q.status in LIVE), key=lambda q: q.created_at)
    if not live:
        return None
    found = process.extractOne(text, {q.id: q.text for q in live}, scorer=fuzz.token_set_ratio,
                               processor=utils.default_process, score_cutoff=threshold)
    return None if found is None else str(found[2])
