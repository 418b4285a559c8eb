"""The rules of polls, with no I/O: the poll, what a valid vote is, tallies, who sees results.

A vote becomes a *ballot*: the list of counter names it adds one to (`o:2` for option 2,
`r:4` for a rating of 4, `w:<folded text>` for a text or word-cloud answer). Stores keep one
counter map per mode (`in_room`, `remote`), each with `votes` (people who answered), so the
tallies, the totals and the by_mode split are all read from the same numbers.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

import msgspec

from ...errors import Code, ProtocolError, bad_request, conflict
from ...messages import MODES, Ident, Slug, clean_text

Kind = Literal["single", "multiple", "rating", "text", "wordcloud"]
Visibility = Literal["live", "after_close", "hidden"]
State = Literal["draft", "open", "closed"]
Counters = dict[str, dict[str, int]]  # mode -> counter name -> count

CHOICE_KINDS = ("single", "multiple")
VOTES = "votes"
MAX_OPTIONS = 50
MAX_TEXT = 200
MAX_DURATION_S = 7 * 24 * 3600
DEFAULT_SCALE = 5

Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT * 4)]  # the exact limit: clean_text
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class CreateData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    title: Text
    kind: Kind
    options: Annotated[list[Text], msgspec.Meta(max_length=MAX_OPTIONS)] | None = None
    max_choices: Annotated[int, msgspec.Meta(ge=1, le=MAX_OPTIONS)] | None = None
    scale: Annotated[int, msgspec.Meta(ge=2, le=10)] | None = None
    anonymous: bool = True
    results: Visibility = "live"
    allow_change: bool = False
    duration_s: Annotated[int, msgspec.Meta(ge=1, le=MAX_DURATION_S)] | None = None
    min_responses: Count = 0


class PollRef(msgspec.Struct, forbid_unknown_fields=True):
    poll: Ident


class VoteData(msgspec.Struct, forbid_unknown_fields=True):
    poll: Ident
    choices: Annotated[list[int], msgspec.Meta(max_length=MAX_OPTIONS)] | None = None
    rating: int | None = None
    text: Text | None = None


class Poll(msgspec.Struct, kw_only=True):
    """A poll as clients see it (PROTOCOL.md's fields first, then Plenary's additions)."""

    id: str
    session: str
    title: str
    kind: Kind
    options: list[str]
    state: State = "draft"
    anonymous: bool = True
    results: Visibility = "live"
    allow_change: bool = False
    closes_at: int | None = None  # unix ms, set when a poll with duration_s opens
    max_choices: int | None = None
    scale: int | None = None
    duration_s: int | None = None
    min_responses: int = 0
    created_at: int = 0  # unix ms


# -- creating ------------------------------------------------------------------------------------
def new_poll(data: CreateData, poll_id: str, now_ms: int) -> Poll:
    """A draft poll from `poll.create`, or `bad_request` naming the field."""
    title = clean_text(data.title, "title", high=MAX_TEXT)
    options = _options(data)
    return Poll(
        id=poll_id, session=data.session, title=title, kind=data.kind, options=options,
        anonymous=data.anonymous, results=data.results, allow_change=data.allow_change,
        max_choices=_max_choices(data, options), scale=_scale(data),
        duration_s=data.duration_s, min_responses=data.min_responses, created_at=now_ms)


def _options(data: CreateData) -> list[str]:
    if data.kind not in CHOICE_KINDS:
        if data.options:
            raise bad_request(f"data.options: a {data.kind} poll has no options.")
        return []
    if data.options is None or len(data.options) < 2:
        raise bad_request(f"data.options: a {data.kind} poll needs 2 to {MAX_OPTIONS} options.")
    options = [clean_text(o, f"options[{i}]", high=MAX_TEXT) for i, o in enumerate(data.options)]
    if len({fold(o) for o in options}) != len(options):
        raise bad_request("data.options: options must differ from each other.")
    return options


def _max_choices(data: CreateData, options: list[str]) -> int | None:
    if data.kind != "multiple":
        if data.max_choices is not None:
            raise bad_request("data.max_choices: only a multiple poll has max_choices.")
        return None
    if data.max_choices is None:
        return len(options)
    if data.max_choices > len(options):
        raise bad_request(f"data.max_choices: at most the number of options ({len(options)}).")
    return data.max_choices


def _scale(data: CreateData) -> int | None:
    if data.kind != "rating":
        if data.scale is not None:
            raise bad_request("data.scale: only a rating poll has a scale.")
        return None
    return data.scale or DEFAULT_SCALE


# -- voting --------------------------------------------------------------------------------------
def ballot(poll: Poll, vote: VoteData) -> list[str]:
    """The counters a valid vote adds one to, or `bad_request` naming the field."""
    _check_shape(poll, vote)
    if poll.kind in CHOICE_KINDS:
        assert vote.choices is not None
        return [f"o:{i}" for i in _choices(poll, vote.choices)]
    if poll.kind == "rating":
        assert vote.rating is not None and poll.scale is not None
        if not 1 <= vote.rating <= poll.scale:
            raise bad_request(f"data.rating: must be from 1 to {poll.scale}.")
        return [f"r:{vote.rating}"]
    assert vote.text is not None
    return ["w:" + fold(clean_text(vote.text, "text", high=MAX_TEXT))]


_FIELD = {"single": "choices", "multiple": "choices", "rating": "rating", "text": "text",
          "wordcloud": "text"}


def _check_shape(poll: Poll, vote: VoteData) -> None:
    wanted = _FIELD[poll.kind]
    given = [f for f in ("choices", "rating", "text") if getattr(vote, f) is not None]
    for field in given:
        if field != wanted:
            raise bad_request(f"data.{field}: a {poll.kind} poll takes `{wanted}`.")
    if not given:
        raise bad_request(f"data.{wanted}: required for a {poll.kind} poll.")


def _choices(poll: Poll, choices: list[int]) -> list[int]:
    if not choices:
        raise bad_request("data.choices: choose at least one option.")
    for i, choice in enumerate(choices):
        if not 0 <= choice < len(poll.options):
            raise bad_request(f"data.choices[{i}]: no option {choice} (options are numbered "
                              f"0 to {len(poll.options) - 1}).")
    if len(set(choices)) != len(choices):
        raise bad_request("data.choices: an option is chosen twice.")
    most = 1 if poll.kind == "single" else (poll.max_choices or len(poll.options))
    if len(choices) > most:
        raise bad_request(f"data.choices: at most {most} choice{'s' if most > 1 else ''}.")
    return sorted(choices)


def fold(text: str) -> str:
    """Fold case, width and spacing, so "Resilience" and " resilience" count together."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# -- tallies -------------------------------------------------------------------------------------
def tally(poll: Poll, counters: dict[str, int]) -> Any:
    """The `tally` of one counter map, in the shape the poll's kind has on the wire."""
    if poll.kind in CHOICE_KINDS:
        return [counters.get(f"o:{i}", 0) for i in range(len(poll.options))]
    if poll.kind == "rating":
        scale = poll.scale or DEFAULT_SCALE
        histogram = [counters.get(f"r:{n}", 0) for n in range(1, scale + 1)]
        return {"mean": mean(histogram), "histogram": histogram}
    words = {k[2:]: n for k, n in counters.items() if k.startswith("w:") and n > 0}
    return {"words": dict(sorted(words.items(), key=lambda kv: (-kv[1], kv[0])))}


def mean(histogram: list[int]) -> float | None:
    """The mean of a 1..scale histogram (None with no votes), to two decimals."""
    total = sum(histogram)
    if total == 0:
        return None
    return round(sum((i + 1) * n for i, n in enumerate(histogram)) / total, 2)


def merged(counters: Counters) -> dict[str, int]:
    total: dict[str, int] = {}
    for mode in MODES:
        for name, n in counters.get(mode, {}).items():
            total[name] = total.get(name, 0) + n
    return total


def results(poll: Poll, counters: Counters) -> dict[str, Any]:
    """The data of a `poll.results` event; `final` once the poll is closed."""
    total = merged(counters)
    by_mode = {mode: {"votes": counters.get(mode, {}).get(VOTES, 0),
                      "tally": tally(poll, counters.get(mode, {}))} for mode in MODES}
    return {"poll": poll.id, "votes": total.get(VOTES, 0), "tally": tally(poll, total),
            "by_mode": by_mode, "final": poll.state == "closed"}


# -- states: draft -> open -> closed, never back -------------------------------------------------
def opened(poll: Poll, now_ms: int) -> Poll | None:
    """The poll, opened at `now_ms` (its timer set); None if it is open already."""
    if poll.state == "closed":
        raise conflict("This poll is closed: a closed poll does not open again.")
    if poll.state == "open":
        return None
    closes_at = now_ms + poll.duration_s * 1000 if poll.duration_s else None
    return msgspec.structs.replace(poll, state="open", closes_at=closes_at)


def closed(poll: Poll) -> Poll | None:
    """The poll, closed; None if it is closed already."""
    if poll.state == "draft":
        raise conflict("This poll is a draft: open it before closing it.")
    if poll.state == "closed":
        return None
    return msgspec.structs.replace(poll, state="closed")


def timed_out(poll: Poll | None) -> Poll | None:
    """What the poll's timer closes: the poll if it is still open, else nothing."""
    if poll is None or poll.state != "open":
        return None
    return msgspec.structs.replace(poll, state="closed")


def check_open(poll: Poll) -> None:
    """Votes go to open polls only."""
    if poll.state != "open":
        raise poll_closed()


def poll_closed() -> ProtocolError:
    return ProtocolError(Code.poll_closed, "This poll is not open.")


# -- who sees what -------------------------------------------------------------------------------
def results_public(poll: Poll, answered: int) -> bool:
    """May attendees see the results? (Staff always may.)"""
    if poll.state == "draft" or poll.results == "hidden" or answered < poll.min_responses:
        return False
    return poll.results == "live" or poll.state == "closed"


def state_public(poll: Poll) -> bool:
    """Do attendees see the poll at all? Drafts are the moderators' own."""
    return poll.state != "draft"


def state_audience(poll: Poll) -> Literal["session", "staff"]:
    """Where the poll's own events (state, removal) go: everyone once it is not a draft."""
    return "session" if state_public(poll) else "staff"


# -- report --------------------------------------------------------------------------------------
def csv_rows(poll: Poll, counters: Counters) -> list[dict[str, Any]]:
    """One flat row per option, rating value or word: its count, in total and by mode."""
    rows = []
    for name, label in _labels(poll, counters):
        counts = [counters.get(m, {}).get(name, 0) for m in MODES]
        rows.append({"poll": poll.title, "kind": poll.kind, "state": poll.state,
                     "option": label, "votes": sum(counts), "in_room": counts[0],
                     "remote": counts[1]})
    return rows


def _labels(poll: Poll, counters: Counters) -> list[tuple[str, str]]:
    if poll.kind in CHOICE_KINDS:
        return [(f"o:{i}", option) for i, option in enumerate(poll.options)]
    if poll.kind == "rating":
        return [(f"r:{n}", str(n)) for n in range(1, (poll.scale or DEFAULT_SCALE) + 1)]
    words = tally(poll, merged(counters))["words"]
    return [(f"w:{word}", word) for word in words]
