"""Which protocol events become which webhooks, and how a delivery is retried. Pure: values
in, values out."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import msgspec

Kind = Literal["session.started", "session.ended", "poll.closed", "question.answered",
               "breakout.report_submitted", "report.ready"]
KINDS: tuple[Kind, ...] = ("session.started", "session.ended", "poll.closed",
                           "question.answered", "breakout.report_submitted", "report.ready")
Status = Literal["pending", "retrying", "delivered", "failed"]


@dataclasses.dataclass(frozen=True, slots=True)
class Occurrence:
    """Something worth a webhook; `once` names it where it must be sent only once."""

    kind: Kind
    data: dict[str, Any]
    once: str | None = None


WATCHED = frozenset({"session.updated", "poll.results", "qa.question", "breakout.report"})


def occurrences(topic: str, kind: str, data: Any, live_before: bool | None) -> list[Occurrence]:
    """The webhooks one published protocol event makes. `live_before`: the session's live
    switch as last seen (for `session.updated`)."""
    if kind not in WATCHED:
        return []
    data = msgspec.to_builtins(data)  # events carry typed wire views (Structs) as well as dicts
    public = topic.startswith("session:") and not topic.endswith(":staff")
    if kind == "session.updated" and public:
        return _session(data["session"], live_before)
    if kind == "poll.results" and data.get("final"):
        # Published where its audience may see it: on the staff topic, thresholds withhold it.
        results = data if public else None
        return [Occurrence("poll.closed", {"poll": data["poll"], "results": results,
                                           "withheld": results is None},
                           once=f"poll:{data['poll']}")]
    if kind == "qa.question" and public and data["question"].get("status") == "answered":
        question = data["question"]
        return [Occurrence("question.answered", {"question": question},
                           once=f"question:{question['id']}")]
    if kind == "breakout.report" and topic.startswith("room:"):
        return [Occurrence("breakout.report_submitted", dict(data))]
    return []


def _session(session: dict[str, Any], live_before: bool | None) -> list[Occurrence]:
    live = bool(session.get("live"))
    if (live_before is None and not live) or live_before == live:
        return []
    brief = {"session": {"id": session["id"], "title": session.get("title")}}
    if live:
        return [Occurrence("session.started", brief)]
    return [Occurrence("session.ended", brief), Occurrence("report.ready", brief)]


def next_try(attempt: int, attempts: int, backoff_s: float) -> float | None:
    """Seconds to wait before try `attempt + 1` after `attempt` failed; None: give up."""
    if attempt >= attempts:
        return None
    return backoff_s * 2 ** (attempt - 1)


def succeeded(status_code: int) -> bool:
    return 200 <= status_code < 300
