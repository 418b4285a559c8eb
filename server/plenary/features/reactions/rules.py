"""The rules of reactions, with no I/O: the kinds, and counts added up.

A reaction is never an event of its own: each process adds its reactions up, and one
process per session publishes what all of them counted, at most once per interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

Kind = Literal["applause", "thumbs_up", "heart", "laugh", "surprise"]
KINDS: tuple[Kind, ...] = ("applause", "thumbs_up", "heart", "laugh", "surprise")


def added(*counts: Mapping[str, int]) -> dict[str, int]:
    """The counts of each kind added up; kinds that are not reactions are ignored."""
    total: dict[str, int] = dict.fromkeys(KINDS, 0)
    for one in counts:
        for kind, n in one.items():
            if kind in total:
                total[kind] += n
    return total


def event_data(session: str, counts: Mapping[str, int]) -> dict[str, object] | None:
    """The `reactions` event for what was counted, every kind named; None if nothing was."""
    total = added(counts)
    if not any(total.values()):
        return None
    return {"session": session, "counts": total}


def idle(last_seen: Mapping[tuple[str, str], float], now: float,
         keep_s: float) -> Iterable[tuple[str, str]]:
    """The sessions nobody reacted in for `keep_s`: this process stops ticking for them."""
    return [key for key, seen in last_seen.items() if now - seen > keep_s]


def window(now_s: float, window_s: int) -> int:
    """The fixed window a reaction falls in, for the per-person limit."""
    return int(now_s // window_s)


def allowed(known: int, pending: int, limit: int) -> bool:
    """May one more reaction go? `known`: the person's uses in this window on every process at
    the last sync; `pending`: this process's since then. A person with tabs on several
    processes may pass the limit by what those processes accept between two syncs."""
    return known + pending < limit
