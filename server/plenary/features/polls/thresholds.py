"""Privacy thresholds, a pure rule: no group of fewer than `minimum` answers is ever readable.

A result is a total broken down into groups (in the room / online; a survey question's own
answers; a day of a pulse). Each group with answers but fewer than `minimum` of them is
*suppressed* (shown as "fewer than N"). A group of 0 answers is shown: it reveals nobody.

Subtraction: when the total is shown, the suppressed groups together equal the total minus
the shown ones, so a single suppressed group could be read back by subtraction. The rule
(complementary suppression) therefore also suppresses the smallest shown groups until the
suppressed ones together hold at least `minimum` answers: what subtraction then reveals is
the sum of several groups, itself above the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...messages import MODES

SUPPRESSED = {"votes": None, "tally": None, "suppressed": True}


def hidden_groups(total: int, groups: Mapping[str, int], minimum: int) -> tuple[bool, set[str]]:
    """(is the total suppressed, which groups are) for a total split into `groups`."""
    if minimum <= 1:
        return False, set()
    if total < minimum:
        return total > 0, {g for g, n in groups.items() if n > 0}
    hidden = {g for g, n in groups.items() if 0 < n < minimum}
    shown = sorted((n, g) for g, n in groups.items() if n > 0 and g not in hidden)
    while hidden and sum(groups[g] for g in hidden) < minimum and shown:
        hidden.add(shown.pop(0)[1])  # the smallest: reveals least while closing the gap
    return False, hidden


def below(count: int, minimum: int) -> bool:
    """A single count with nothing derived from it (a question with no breakdown)."""
    return 0 < count < minimum and minimum > 1


def apply(results: dict[str, Any], minimum: int) -> dict[str, Any]:
    """A poll's results (`rules.results`) as they may be shown: suppressed groups emptied."""
    by_mode = results["by_mode"]
    total_hidden, hidden = hidden_groups(results["votes"], {m: by_mode[m]["votes"]
                                                            for m in MODES}, minimum)
    out = {**results, "min_responses": minimum, "suppressed": total_hidden}
    if total_hidden:
        out.update(votes=None, tally=None)
    out["by_mode"] = {m: dict(SUPPRESSED) if m in hidden else {**by_mode[m], "suppressed": False}
                      for m in MODES}
    return out


def any_suppressed(shown: dict[str, Any]) -> bool:
    return bool(shown["suppressed"]) or any(h["suppressed"] for h in shown["by_mode"].values())
