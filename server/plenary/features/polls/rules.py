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
from .thresholds import any_suppressed, apply, hidden_groups

Kind = Literal["single", "multiple", "rating", "text", "wordcloud", "ranking"]
Visibility = Literal["live", "after_close", "hidden"]
State = Literal["draft", "open", "closed"]
Counters = dict[str, dict[str, int]]  # mode -> counter name -> count

CHOICE_KINDS = ("single", "multiple")
OPTION_KINDS = ("single", "multiple", "ranking")  # kinds whose votes name options
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
    # Staff see groups below min_responses (never the presenter view); default: named polls.
    staff_below_threshold: bool | None = None


class PollRef(msgspec.Struct, forbid_unknown_fields=True):
    poll: Ident


class VoteData(msgspec.Struct, forbid_unknown_fields=True):
    poll: Ident
    choices: Annotated[list[int], msgspec.Meta(max_length=MAX_OPTIONS)] | None = None
    rating: int | None = None
    text: Text | None = None
    ranking: Annotated[list[int], msgspec.Meta(max_length=MAX_OPTIONS)] | None = None


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
    staff_below_threshold: bool = False


Tally = list[int] | dict[str, Any]  # choices: per option; rating: mean, histogram; words


class ModeResults(msgspec.Struct, forbid_unknown_fields=True):
    votes: int
    tally: Tally


class Results(msgspec.Struct, forbid_unknown_fields=True):
    """The data of a `poll.results` event (and a snapshot's `outcome`)."""

    poll: str
    votes: int  # people who answered
    tally: Tally
    by_mode: dict[str, ModeResults]
    final: bool  # the poll is closed: these are the last results


class ShownMode(msgspec.Struct, forbid_unknown_fields=True):
    votes: int | None  # None: suppressed (fewer than the poll's min_responses)
    tally: Tally | None
    suppressed: bool


class Shown(msgspec.Struct, forbid_unknown_fields=True):
    """Results as anyone may see them (`poll.results`, a snapshot's `outcome`): every group
    below `min_responses` suppressed (thresholds.apply)."""

    poll: str
    votes: int | None
    tally: Tally | None
    by_mode: dict[str, ShownMode]
    final: bool
    min_responses: int
    suppressed: bool


class PollSeen(Poll, kw_only=True, forbid_unknown_fields=True):
    """A poll in a person's snapshot: whether they voted, the results if they may see
    them, and for staff the exact ones where the poll allows it."""

    my_vote: bool
    outcome: Shown | msgspec.UnsetType = msgspec.UNSET
    raw_outcome: Results | msgspec.UnsetType = msgspec.UNSET


# -- creating ------------------------------------------------------------------------------------
def new_poll(data: CreateData, poll_id: str, now_ms: int) -> Poll:
    """A draft poll from `poll.create`, or `bad_request` naming the field."""
    title = clean_text(data.title, "title", high=MAX_TEXT)
    options = _options(data)
    return Poll(
        id=poll_id, session=data.session, title=title, kind=data.kind, options=options,
        anonymous=data.anonymous, results=data.results, allow_change=data.allow_change,
        max_choices=_max_choices(data, options), scale=_scale(data),
        duration_s=data.duration_s, min_responses=data.min_responses, created_at=now_ms,
        staff_below_threshold=_staff_below(data))


def _staff_below(data: CreateData) -> bool:
    if data.staff_below_threshold is None:
        return not data.anonymous
    return data.staff_below_threshold


def _options(data: CreateData) -> list[str]:
    if data.kind not in OPTION_KINDS:
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
    if poll.kind == "ranking":
        assert vote.ranking is not None
        return _ranks(poll, vote.ranking)
    assert vote.text is not None
    answer = clean_text(vote.text, "text", high=MAX_TEXT)
    # Free text is kept as written (only trimmed); one-word answers fold for the cloud.
    return ["t:" + answer] if poll.kind == "text" else ["w:" + fold(answer)]


def _ranks(poll: Poll, ranking: list[int]) -> list[str]:
    """A ranking names every option once, best first: `k:<option>:<rank from 1>`."""
    if sorted(ranking) != list(range(len(poll.options))):
        raise bad_request(f"data.ranking: rank each of the {len(poll.options)} options once "
                          f"(numbered 0 to {len(poll.options) - 1}), best first.")
    return [f"k:{option}:{rank}" for rank, option in enumerate(ranking, start=1)]


_FIELD = {"single": "choices", "multiple": "choices", "rating": "rating", "text": "text",
          "wordcloud": "text", "ranking": "ranking"}


def _check_shape(poll: Poll, vote: VoteData) -> None:
    wanted = _FIELD[poll.kind]
    given = [f for f in ("choices", "rating", "text", "ranking") if getattr(vote, f) is not None]
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
    if poll.kind == "ranking":
        return ranking_tally(len(poll.options), counters)
    if poll.kind == "text":
        return {"answers": answers(counters)}
    words = {k[2:]: n for k, n in counters.items() if k.startswith("w:") and n > 0}
    return {"words": dict(sorted(words.items(), key=lambda kv: (-kv[1], kv[0])))}


def ranking_tally(size: int, counters: dict[str, int]) -> dict[str, Any]:
    """`ranks[option][r]`: how many put the option at rank r+1; `mean_rank` (1 is best)."""
    ranks = [[counters.get(f"k:{o}:{r}", 0) for r in range(1, size + 1)] for o in range(size)]
    return {"ranks": ranks, "mean_rank": [mean(row) for row in ranks]}


def answers(counters: dict[str, int]) -> list[dict[str, Any]]:
    """Free-text answers as written, most given first, then alphabetically (never by time)."""
    found = [(k[2:], n) for k, n in counters.items() if k.startswith("t:") and n > 0]
    return [{"text": text, "count": n} for text, n in sorted(found, key=lambda e: (-e[1], e[0]))]


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


def results(poll: Poll, counters: Counters) -> Results:
    """The data of a `poll.results` event; `final` once the poll is closed."""
    total = merged(counters)
    by_mode: dict[str, ModeResults] = {mode: ModeResults(counters.get(mode, {}).get(VOTES, 0),
                                 tally(poll, counters.get(mode, {}))) for mode in MODES}
    return Results(poll=poll.id, votes=total.get(VOTES, 0), tally=tally(poll, total),
                   by_mode=by_mode, final=poll.state == "closed")


def seen(poll: Poll, counters: Counters, *, voted: bool, staff: bool) -> PollSeen:
    """The poll as one person's snapshot shows it."""
    seen = PollSeen(**msgspec.structs.asdict(poll), my_vote=voted)
    if not (staff or results_public(poll, votes(counters))):
        return seen
    exact = unsuppressed(poll, counters) if staff else None
    return msgspec.structs.replace(seen, outcome=shown(poll, counters),
                                   raw_outcome=msgspec.UNSET if exact is None else exact)


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
def csv_rows(poll: Poll, counters: Counters, exact: bool = False) -> list[dict[str, Any]]:
    """One flat row per option, rating value, rank or answer: its count, in total and by
    mode; a group below the threshold reads "fewer than N" (unless `exact`, for staff where
    the poll allows it)."""
    total_hidden, hidden = (False, set()) if exact else hidden_groups(
        votes(counters), {m: counters.get(m, {}).get(VOTES, 0) for m in MODES},
        poll.min_responses)
    below = f"fewer than {poll.min_responses}"
    if total_hidden:
        return [{"poll": poll.title, "kind": poll.kind, "state": poll.state, "option": "",
                 "votes": below, "in_room": below, "remote": below}]
    rows: list[dict[str, Any]] = []
    for name, label in _labels(poll, counters):
        counts = {m: counters.get(m, {}).get(name, 0) for m in MODES}
        halves: dict[str, Any] = {m: below if m in hidden else counts[m] for m in MODES}
        rows.append({"poll": poll.title, "kind": poll.kind, "state": poll.state,
                     "option": label, "votes": sum(counts.values()), **halves})
    return rows


def answer_text(poll: Poll, vote: dict[str, Any]) -> str:
    """A named ballot as a person reads it: option texts, never indexes."""
    if "choices" in vote:
        return "; ".join(poll.options[i] for i in vote["choices"])
    if "ranking" in vote:
        return " > ".join(poll.options[i] for i in vote["ranking"])
    return str(vote.get("rating", vote.get("text", "")))


def _labels(poll: Poll, counters: Counters) -> list[tuple[str, str]]:
    if poll.kind in CHOICE_KINDS:
        return [(f"o:{i}", option) for i, option in enumerate(poll.options)]
    if poll.kind == "rating":
        return [(f"r:{n}", str(n)) for n in range(1, (poll.scale or DEFAULT_SCALE) + 1)]
    if poll.kind == "ranking":
        return [(f"k:{o}:{r}", f"{option} (rank {r})") for o, option in enumerate(poll.options)
                for r in range(1, len(poll.options) + 1)]
    if poll.kind == "text":
        return [("t:" + a["text"], a["text"]) for a in answers(merged(counters))]
    words = tally(poll, merged(counters))["words"]
    return [(f"w:{word}", word) for word in words]


# -- poll control (issue 14): reveal or hide results, reopen, thresholds ------------------------
class VisibilityData(msgspec.Struct, forbid_unknown_fields=True):
    poll: Ident
    results: Visibility


def reopened(poll: Poll, now_ms: int) -> Poll | None:
    """A closed poll open again: votes kept, a fresh timer if it has a duration; None if it
    is open already; `conflict` for a draft (it opens with `opened`)."""
    if poll.state == "draft":
        raise conflict("This poll is a draft: open it with poll.open.")
    if poll.state == "open":
        return None
    closes_at = now_ms + poll.duration_s * 1000 if poll.duration_s else None
    return msgspec.structs.replace(poll, state="open", closes_at=closes_at)


def shown(poll: Poll, counters: Counters) -> Shown:
    """The results as anyone may see them, the presenter view included: every group below
    `min_responses` suppressed, and any group that subtraction would reveal."""
    exact = msgspec.to_builtins(results(poll, counters))
    return msgspec.convert(apply(exact, poll.min_responses), Shown)


def unsuppressed(poll: Poll, counters: Counters) -> Results | None:
    """The exact results for staff, where the poll's creator allowed it and something is
    suppressed; else None (the shown results are already exact)."""
    if not poll.staff_below_threshold or \
            not any_suppressed(msgspec.to_builtins(shown(poll, counters))):
        return None
    return results(poll, counters)


def votes(counters: Counters) -> int:
    """People who answered, both halves together."""
    return sum(counters.get(mode, {}).get(VOTES, 0) for mode in MODES)
