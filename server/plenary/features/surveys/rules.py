"""The rules of surveys, with no I/O: questions, answers, the life of a survey, results.

A survey is a list of questions of the poll kinds (single, multiple, rating, text,
wordcloud, ranking) plus labelled scales. Each question is checked and counted with the
poll rules: a question *is* a poll for `polls.rules.ballot` and `polls.rules.tally`, and its
counter names are the poll's prefixed by the question's id (`q2|o:1`). One counter map per
round and mode holds `respondents` and, per question, `q<i>|votes` (people who answered it).

A *round* is one run of the survey: `main` for a one-off survey; the day (`2026-06-01`, in
the event's time zone) for a series (a daily pulse), so each day is counted apart.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from typing import Annotated, Any, Literal

import msgspec

from ...errors import bad_request, conflict
from ...messages import MODES, Ident, Slug, clean_text
from ..polls import rules as polls
from ..polls.rules import Counters, Poll, VoteData
from ..polls.thresholds import apply, below, hidden_groups

Kind = Literal["single", "multiple", "rating", "scale", "text", "wordcloud", "ranking"]
State = Literal["draft", "scheduled", "open", "closed"]
Visibility = Literal["live", "after_close", "hidden"]
RESPONDENTS = "respondents"
ONE_OFF = "main"
MAX_QUESTIONS = 50
MAX_LABEL = 60

Text = Annotated[str, msgspec.Meta(max_length=polls.MAX_TEXT * 4)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Day = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class QuestionData(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    kind: Kind
    options: Annotated[list[Text], msgspec.Meta(max_length=polls.MAX_OPTIONS)] | None = None
    max_choices: Annotated[int, msgspec.Meta(ge=1, le=polls.MAX_OPTIONS)] | None = None
    scale: Annotated[int, msgspec.Meta(ge=2, le=10)] | None = None
    # scale only: one label per point, "" for an unlabelled one (1 "not at all" … 5 "fully")
    labels: Annotated[list[Annotated[str, msgspec.Meta(max_length=MAX_LABEL * 4)]],
                      msgspec.Meta(max_length=10)] | None = None
    required: bool = True


class ScheduleData(msgspec.Struct, forbid_unknown_fields=True):
    """Open every listed day at `time` in the event's time zone, close `close_after_min`
    later (at the latest at midnight)."""

    time: ClockTime
    days: Annotated[list[Day], msgspec.Meta(min_length=1, max_length=60)]
    close_after_min: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 12 * 60


class CreateData(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    title: Text
    questions: Annotated[list[QuestionData], msgspec.Meta(min_length=1,
                                                          max_length=MAX_QUESTIONS)]
    anonymous: bool = True
    series: bool = False  # one round per day, linked by pseudonym (a daily pulse)
    schedule: ScheduleData | None = None
    results: Visibility = "after_close"
    min_responses: Count = 0
    staff_below_threshold: bool | None = None


class SurveyRef(msgspec.Struct, forbid_unknown_fields=True):
    survey: Ident


class OpenData(msgspec.Struct, forbid_unknown_fields=True):
    survey: Ident
    day: Day | None = None  # a series opened by hand: the day this round counts for


class AnswersData(msgspec.Struct, forbid_unknown_fields=True):
    survey: Ident
    answers: Annotated[dict[Ident, dict[str, Any]],
                       msgspec.Meta(max_length=MAX_QUESTIONS)] = {}


class Question(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str  # q1, q2, … in order
    title: str
    kind: Kind
    options: list[str] = []
    max_choices: int | None = None
    scale: int | None = None
    labels: list[str] | None = None
    required: bool = True


class Schedule(msgspec.Struct, kw_only=True):
    time: str
    days: list[str]
    close_after_min: int


class Survey(msgspec.Struct, kw_only=True):
    id: str
    session: str
    title: str
    questions: list[Question]
    anonymous: bool = True
    series: bool = False
    schedule: Schedule | None = None
    results: Visibility = "after_close"
    min_responses: int = 0
    staff_below_threshold: bool = False
    state: State = "draft"
    round: str | None = None  # the round open now, or the last one held
    rounds: list[str] = []  # every round held, in order
    closes_at: int | None = None  # unix ms: the open round's scheduled end
    opens_at: int | None = None  # unix ms: the next scheduled opening
    created_at: int = 0


# -- creating ------------------------------------------------------------------------------------
def new_survey(data: CreateData, survey_id: str, now_ms: int) -> Survey:
    """A draft survey from `survey.create`, or `bad_request` naming the field."""
    title = clean_text(data.title, "title", high=polls.MAX_TEXT)
    questions = [_question(q, i) for i, q in enumerate(data.questions)]
    if data.schedule is not None and not data.series:
        raise bad_request("data.schedule: a schedule opens one round a day: set `series`.")
    schedule = None
    if data.schedule is not None:
        days = sorted(set(data.schedule.days))
        schedule = Schedule(time=data.schedule.time, days=days,
                            close_after_min=data.schedule.close_after_min)
    staff = (not data.anonymous) if data.staff_below_threshold is None \
        else data.staff_below_threshold
    return Survey(id=survey_id, session=data.session, title=title, questions=questions,
                  anonymous=data.anonymous, series=data.series, schedule=schedule,
                  results=data.results, min_responses=data.min_responses,
                  staff_below_threshold=staff, created_at=now_ms)


def _question(data: QuestionData, index: int) -> Question:
    field = f"questions[{index}]"
    kind = "rating" if data.kind == "scale" else data.kind
    as_poll = msgspec.convert({"session": "s", "title": data.title, "kind": kind,
                               "options": data.options, "max_choices": data.max_choices,
                               "scale": data.scale}, polls.CreateData)
    try:
        poll = polls.new_poll(as_poll, "q", 0)
    except Exception as exc:  # re-raised naming the question: data.questions[2].options
        message = str(getattr(exc, "message", exc))
        raise bad_request(message.replace("data.", f"data.{field}.", 1)) from None
    labels = _labels(data, poll.scale, field)
    return Question(id=f"q{index + 1}", title=poll.title, kind=data.kind, options=poll.options,
                    max_choices=poll.max_choices, scale=poll.scale, labels=labels,
                    required=data.required)


def _labels(data: QuestionData, scale: int | None, field: str) -> list[str] | None:
    if data.labels is None:
        return None
    if data.kind != "scale":
        raise bad_request(f"data.{field}.labels: only a scale question has labels.")
    if len(data.labels) != scale:
        raise bad_request(f"data.{field}.labels: one label per point of the scale ({scale}).")
    return [clean_text(label, f"{field}.labels[{i}]", low=0, high=MAX_LABEL)
            for i, label in enumerate(data.labels)]


def as_poll(question: Question, survey: Survey) -> Poll:
    """The question as a poll, for the poll rules (ballot, tally)."""
    kind = "rating" if question.kind == "scale" else question.kind
    return Poll(id=question.id, session=survey.session, title=question.title, kind=kind,
                options=question.options, max_choices=question.max_choices,
                scale=question.scale, state=survey.state if survey.state != "scheduled"
                else "closed", min_responses=survey.min_responses)


# -- answering -----------------------------------------------------------------------------------
def checked(survey: Survey, answers: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each given answer's counters by question id, or `bad_request` naming the field
    (`data.answers.q3.choices[0]`). Partial: missing questions are fine here."""
    by_id = {q.id: q for q in survey.questions}
    out = {}
    for qid, answer in answers.items():
        question = by_id.get(qid)
        if question is None:
            raise bad_request(f"data.answers.{qid}: no such question (q1 to "
                              f"q{len(survey.questions)}).")
        out[qid] = _ballot(survey, question, answer)
    return out


def _ballot(survey: Survey, question: Question, answer: dict[str, Any]) -> list[str]:
    try:
        vote = msgspec.convert({"poll": question.id, **answer}, VoteData)
        return polls.ballot(as_poll(question, survey), vote)
    except msgspec.ValidationError as exc:
        raise bad_request(f"data.answers.{question.id}: {exc}") from None
    except Exception as exc:
        message = str(getattr(exc, "message", exc))
        raise bad_request(message.replace("data.", f"data.answers.{question.id}.", 1)) from None


def complete(survey: Survey, answers: dict[str, list[str]]) -> None:
    """Every required question answered, or `bad_request` naming the first missing."""
    for question in survey.questions:
        if question.required and question.id not in answers:
            raise bad_request(f"data.answers.{question.id}: required "
                              f"(\"{question.title}\").")


def items(answers: dict[str, list[str]]) -> list[str]:
    """The counters one submission adds one to: respondents, and per answered question its
    `votes` and its ballot, each prefixed by the question id."""
    out = [RESPONDENTS]
    for qid in sorted(answers):
        out += [f"{qid}|{polls.VOTES}", *(f"{qid}|{name}" for name in answers[qid])]
    return out


def trend_values(survey: Survey, answers: dict[str, dict[str, Any]]) -> dict[str, int]:
    """What a series keeps per pseudonym and day: its rating and scale answers only."""
    kinds = {q.id for q in survey.questions if q.kind in ("rating", "scale")}
    return {qid: int(a["rating"]) for qid, a in answers.items() if qid in kinds}


# -- results -------------------------------------------------------------------------------------
def of_question(counters: Counters, qid: str) -> Counters:
    prefix = qid + "|"
    return {m: {k[len(prefix):]: n for k, n in counters.get(m, {}).items()
                if k.startswith(prefix)} for m in MODES}


def results(survey: Survey, round_: str, counters: Counters,
            exact: bool = False) -> dict[str, Any]:
    """The data of `survey.results` for one round: respondents and each question's results
    (`polls.rules.results` shape), each breakdown below `min_responses` suppressed unless
    `exact` (staff, where the creator allowed it)."""
    respondents = {m: counters.get(m, {}).get(RESPONDENTS, 0) for m in MODES}
    total = sum(respondents.values())
    minimum = 0 if exact else survey.min_responses  # 0: the same shape, nothing suppressed
    questions = []
    for question in survey.questions:
        poll = as_poll(question, survey)
        raw = msgspec.to_builtins(polls.results(poll, of_question(counters, question.id)))
        raw["question"] = raw.pop("poll")
        questions.append(apply(raw, minimum))
    out: dict[str, Any] = {"survey": survey.id, "round": round_, "respondents": total,
                           "by_mode": respondents, "questions": questions,
                           "final": survey.state != "open" or survey.round != round_,
                           "min_responses": survey.min_responses}
    _suppress_respondents(out, minimum)
    return out


def _suppress_respondents(out: dict[str, Any], minimum: int) -> None:
    total_hidden, hidden = hidden_groups(out["respondents"], out["by_mode"], minimum)
    if total_hidden:
        out["respondents"] = None
    out["by_mode"] = {m: None if m in hidden else n for m, n in out["by_mode"].items()}
    out["suppressed"] = total_hidden


def any_suppressed(shown: dict[str, Any]) -> bool:
    return bool(shown["suppressed"]) or None in shown["by_mode"].values() or any(
        q["suppressed"] or any(h["suppressed"] for h in q["by_mode"].values())
        for q in shown["questions"])


def public(survey: Survey) -> bool:
    """May attendees see results now (each breakdown still thresholded)?"""
    if survey.state == "draft" or survey.results == "hidden":
        return False
    return survey.results == "live" or survey.state != "open"


# -- trends of a series (per day, per pseudonymous respondent, only in aggregate) ----------------
def trends(survey: Survey, by_round: dict[str, dict[str, dict[str, int]]]) -> list[dict[str, Any]]:
    """For each rating or scale question and each pair of consecutive days: among the
    pseudonyms that answered it on both days, how many rose, stayed or fell, and the mean
    change. A pair with fewer than `min_responses` linked respondents is suppressed whole;
    no figure ever concerns one pseudonym."""
    rounds = [r for r in survey.rounds if r in by_round]
    out = []
    for question in survey.questions:
        if question.kind not in ("rating", "scale"):
            continue
        for before, after in itertools.pairwise(rounds):
            out.append(_pair(survey, question, before, after, by_round))
    return out


def _pair(survey: Survey, question: Question, before: str, after: str,
          by_round: dict[str, dict[str, dict[str, int]]]) -> dict[str, Any]:
    first, second = by_round[before], by_round[after]
    changes = [second[p][question.id] - first[p][question.id] for p in first
               if p in second and question.id in first[p] and question.id in second[p]]
    row: dict[str, Any] = {"question": question.id, "title": question.title, "from": before,
                           "to": after, "linked": len(changes), "suppressed": False}
    if below(len(changes), survey.min_responses):
        return {**row, "linked": None, "suppressed": True}
    row.update(rose=sum(c > 0 for c in changes), same=sum(c == 0 for c in changes),
               fell=sum(c < 0 for c in changes),
               mean_change=round(sum(changes) / len(changes), 2) if changes else None)
    return row


# -- report rows ---------------------------------------------------------------------------------
def csv_rows(survey: Survey, shown: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per question and option, rating value, rank or answer, with option texts."""
    rows = []
    below_n = f"fewer than {survey.min_responses}"
    for question, result in zip(survey.questions, shown["questions"], strict=True):
        base = {"survey": survey.title, "round": shown["round"], "question": question.title,
                "kind": question.kind, "required": question.required}
        if result["suppressed"]:
            rows.append({**base, "answer": "", "count": below_n, "in_room": below_n,
                         "remote": below_n})
            continue
        for label, counts in _answer_counts(question, result):
            rows.append({**base, "answer": label, "count": counts[0],
                         **{m: below_n if c is None else c
                            for m, c in zip(MODES, counts[1:], strict=True)}})
    return rows


def _answer_counts(question: Question, result: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    halves = [result["by_mode"][m] for m in MODES]
    parts = [result, *halves]

    def column(pick: Any) -> list[Any]:
        return [None if p["suppressed"] else pick(p["tally"]) for p in parts]

    if question.kind in ("single", "multiple"):
        return [(o, column(lambda t, i=i: t[i])) for i, o in enumerate(question.options)]
    if question.kind in ("rating", "scale"):
        labels = question.labels or [""] * (question.scale or 0)
        return [(f"{n}" + (f" {labels[n - 1]}" if labels[n - 1] else ""),
                 column(lambda t, n=n: t["histogram"][n - 1]))
                for n in range(1, (question.scale or 0) + 1)]
    if question.kind == "ranking":
        return [(f"{o} (mean rank)", column(lambda t, i=i: t["mean_rank"][i]))
                for i, o in enumerate(question.options)]
    if question.kind == "text":
        return [(a["text"], [a["count"], *(_count_in(h, a["text"]) for h in halves)])
                for a in result["tally"]["answers"]]
    words = result["tally"]["words"]
    return [(w, [n, *(_word_in(h, w) for h in halves)]) for w, n in words.items()]


def _count_in(half: dict[str, Any], text: str) -> int | None:
    if half["suppressed"]:
        return None
    return next((a["count"] for a in half["tally"]["answers"] if a["text"] == text), 0)


def _word_in(half: dict[str, Any], word: str) -> int | None:
    return None if half["suppressed"] else half["tally"]["words"].get(word, 0)



# -- the life of a survey ------------------------------------------------------------------------
def opened(survey: Survey, round_: str, closes_at: int | None) -> Survey:
    """The survey open for `round_`, or `conflict` if that round cannot open."""
    if survey.state == "open":
        raise conflict(f"This survey is open (round {survey.round}): close it first.")
    if not survey.series and survey.state == "closed":
        raise conflict("This survey is closed: a survey is answered once.")
    if round_ in survey.rounds:
        raise conflict(f"The round of {round_} has been held already.")
    return msgspec.structs.replace(survey, state="open", round=round_,
                                   rounds=[*survey.rounds, round_], closes_at=closes_at,
                                   opens_at=None)


def closed(survey: Survey, next_opening: int | None) -> Survey:
    """The open round ended: waiting for the next scheduled one, or closed."""
    state: State = "scheduled" if next_opening is not None else "closed"
    return msgspec.structs.replace(survey, state=state, closes_at=None, opens_at=next_opening)


def waiting(survey: Survey, opens_at: int) -> Survey:
    """A scheduled series armed before its first (or next) opening."""
    return msgspec.structs.replace(survey, state="scheduled", opens_at=opens_at)


def pseudonym(secret: str, event: str, survey_id: str, user_id: str) -> str:
    """Who answered, as stored: a keyed hash of the event, the survey (a series is one
    survey) and the person. The same person gets the same pseudonym every day of a series,
    so their answers link across days; without the server's secret nobody can compute it
    from a user id, and it is never stored next to one."""
    message = f"survey-respondent|{event}|{survey_id}|{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
