"""Surveys: commands, schedules, coalesced results per round, the snapshot and the report.

Rules (questions, answers, thresholds, trends) are in `rules`, the days of a schedule in
`schedule`, storage and the submit-once step in `store`. Topics as for polls:
- `survey.state` on `session:<s>` once a survey is out of draft; drafts to staff only;
- `survey.results` (thresholded) on `session:<s>` when attendees may see them, else on
  `session:<s>:staff`; `survey.raw_results` (exact) on staff only, where the creator allowed.
- A submission marks the survey in the coalescer: results are read fresh from the store at
  most once per interval per process, whatever the rate of submissions.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

import msgspec

from ... import topics
from ...agenda import EventDef, SessionDef
from ...coalescer import Coalescer
from ...errors import Code, ProtocolError, conflict, not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Role
from ..polls.rules import answer_text
from . import rules, schedule
from .rules import AnswersData, CreateData, OpenData, Survey, SurveyRef
from .store import STORE, Submission, SurveyStore

SurveyKey = tuple[str, str]  # (event id, survey id)

_REFUSED = {
    "not_found": lambda: not_found("This survey"),
    "survey_closed": lambda: ProtocolError(Code.survey_closed, "This survey is not open."),
    "already_submitted": lambda: ProtocolError(Code.already_submitted,
                                               "You have already submitted this survey."),
}


class SurveysFeature(Feature):
    name = "surveys"
    snapshot_keys: ClassVar = {"surveys": []}
    events = ("survey.state", "survey.results", "survey.raw_results", "survey.removed")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: SurveyStore = host.open_store(STORE)
        self._results: Coalescer[SurveyKey] = Coalescer(host.settings.coalesce_interval_s,
                                                        self._flush, host.clock)

    def commands(self) -> list[Command]:
        limit = Limit("survey.answer", self.host.settings.vote_limit_per_min, 60)
        return [
            Command("survey.create", CreateData, self.create, role=Role.moderator),
            Command("survey.open", OpenData, self.open, role=Role.moderator),
            Command("survey.close", SurveyRef, self.close, role=Role.moderator),
            Command("survey.delete", SurveyRef, self.delete, role=Role.moderator),
            Command("survey.save", AnswersData, self.save, limit=limit),
            Command("survey.submit", AnswersData, self.submit, limit=limit),
            Command("survey.mine", SurveyRef, self.mine),
        ]

    # -- moderators ---------------------------------------------------------------------------
    async def create(self, ctx: Context, data: CreateData) -> dict[str, Any]:
        await self.host.events.session(ctx.event_id, data.session)
        survey = rules.new_survey(data, "s-" + secrets.token_urlsafe(9), self._now_ms())
        await self.store.create(ctx.event_id, survey)
        await self._publish_state(ctx.event_id, survey)
        return {"survey": _wire(survey)}

    async def open(self, ctx: Context, data: OpenData) -> dict[str, Any]:
        """Open now (a one-off, or today's round of a series), or arm a schedule."""
        survey = await self._require(ctx.event_id, data.survey)
        if data.day is not None and not survey.series:
            raise ProtocolError(Code.bad_request, "data.day: only a series has days.")
        if survey.state == "open":
            return {"survey": _wire(survey)}
        tz = (await ctx.event()).timezone
        if survey.schedule is not None and data.day is None:
            return {"survey": _wire(await self._arm(ctx.event_id, survey, tz))}
        now = self._now_ms()
        round_ = (data.day or schedule.today(tz, now)) if survey.series else rules.ONE_OFF
        opened = rules.opened(survey, round_, None)
        return {"survey": _wire(await self._move(ctx.event_id, survey, opened))}

    async def _arm(self, event: str, survey: Survey, tz: str) -> Survey:
        """Follow the schedule from now: open today's round, or wait for the next one."""
        assert survey.schedule is not None
        step = schedule.step(survey.schedule, tz, self._now_ms(), survey.rounds)
        if step[0] == "done":
            raise conflict("Every day of this survey's schedule has passed.")
        if step[0] == "open":
            new = rules.opened(survey, step[1], step[2])
            due = step[2]
        else:
            if survey.state == "scheduled":
                return survey
            new, due = rules.waiting(survey, step[1]), step[1]
        moved = await self._move(event, survey, new)
        await self.host.scheduler.schedule(_job(event, survey.id), due / 1000,
                                                       {"event": event, "survey": survey.id})
        return moved

    async def close(self, ctx: Context, data: SurveyRef) -> dict[str, Any]:
        """End the open round by hand (a schedule's later days still open), or stop a
        waiting schedule for good. Idempotent on a closed survey."""
        survey = await self._require(ctx.event_id, data.survey)
        if survey.state == "draft":
            raise conflict("This survey is a draft: open it before closing it.")
        if survey.state != "closed":
            survey = await self._end_round(ctx.event_id, survey, keep_schedule=False)
        return {"survey": _wire(survey)}

    async def _end_round(self, event: str, survey: Survey, keep_schedule: bool) -> Survey:
        following = None
        if keep_schedule and survey.schedule is not None:
            tz = (await self.host.events.require(event)).timezone
            step = schedule.step(survey.schedule, tz, self._now_ms(), survey.rounds)
            following = step[1] if step[0] == "wait" else None
        survey = await self._move(event, survey, rules.closed(survey, following))
        scheduler = self.host.scheduler
        if following is not None:
            await scheduler.schedule(_job(event, survey.id), following / 1000,
                                     {"event": event, "survey": survey.id})
        else:
            await scheduler.cancel(_job(event, survey.id))
        return survey

    async def delete(self, ctx: Context, data: SurveyRef) -> dict[str, Any]:
        survey = await self._require(ctx.event_id, data.survey)
        await self.store.delete(ctx.event_id, survey)
        await self.host.scheduler.cancel(_job(ctx.event_id, survey.id))
        await ctx.publish(_state_topic(survey), "survey.removed", {"survey": survey.id})
        return {}

    async def _on_timer(self, job: str, payload: dict[str, Any]) -> None:
        """A scheduled opening or closing is due; any process may run it."""
        event, survey_id = str(payload["event"]), str(payload["survey"])
        survey = await self.store.get(event, survey_id)
        if survey is None or survey.schedule is None:
            return
        if survey.state == "open" and survey.closes_at and self._now_ms() >= survey.closes_at:
            await self._end_round(event, survey, keep_schedule=True)
        elif survey.state == "scheduled":
            tz = (await self.host.events.require(event)).timezone
            await self._arm(event, survey, tz)

    async def _move(self, event: str, survey: Survey, new: Survey) -> Survey:
        moved = await self.store.move(event, new, survey.state)
        if moved != "moved":
            raise conflict("This survey changed meanwhile: try again.")
        await self._publish_state(event, new)
        if new.round is not None:
            await self._results.flush_now((event, new.id))
        return new

    # -- respondents --------------------------------------------------------------------------
    async def save(self, ctx: Context, data: AnswersData) -> dict[str, Any]:
        """Keep answers given so far (merged over the saved ones) to come back to."""
        survey = await self._answering(ctx, data.survey)
        rules.checked(survey, data.answers)
        assert survey.round is not None
        who = self._respondent(ctx, survey)
        saved, _ = await self.store.mine(ctx.event_id, survey.id, survey.round, who)
        answers = {**(saved or {}), **data.answers}
        outcome = await self.store.save(ctx.event_id, survey.id, survey.round, who, answers)
        if outcome != "ok":
            raise _REFUSED[outcome]()
        return {"survey": survey.id, "round": survey.round, "answers": answers}

    async def submit(self, ctx: Context, data: AnswersData) -> dict[str, Any]:
        """Submit once: the saved answers with these over them, every required one given."""
        survey = await self._answering(ctx, data.survey)
        assert survey.round is not None
        who = self._respondent(ctx, survey)
        saved, done = await self.store.mine(ctx.event_id, survey.id, survey.round, who)
        if done:
            raise _REFUSED["already_submitted"]()
        answers = {**(saved or {}), **data.answers}
        ballots = rules.checked(survey, answers)
        rules.complete(survey, ballots)
        submission = Submission(
            round=survey.round, respondent=who, mode=ctx.conn.mode,
            items=rules.items(ballots),
            pulse=rules.trend_values(survey, answers) if survey.series else None,
            record=None if survey.anonymous else {"user": ctx.user.id, "name": ctx.user.name,
                                                   "mode": ctx.conn.mode, "answers": answers})
        outcome = await self.store.submit(ctx.event_id, survey.id, submission)
        if outcome != "ok":
            raise _REFUSED[outcome]()
        self._results.mark((ctx.event_id, survey.id))
        return {"survey": survey.id, "round": survey.round, "submitted": True}

    async def mine(self, ctx: Context, data: SurveyRef) -> dict[str, Any]:
        survey = await self._require(ctx.event_id, data.survey)
        return {"survey": survey.id, **await self._my_state(ctx, survey)}

    async def _my_state(self, ctx: Context, survey: Survey) -> dict[str, Any]:
        if survey.round is None:
            return {"round": None, "answers": {}, "submitted": False}
        saved, done = await self.store.mine(ctx.event_id, survey.id, survey.round,
                                            self._respondent(ctx, survey))
        return {"round": survey.round, "answers": saved or {}, "submitted": done}

    async def _answering(self, ctx: Context, survey_id: str) -> Survey:
        survey = await self._require(ctx.event_id, survey_id)
        await ctx.require_joined(survey.session)
        if survey.state != "open":
            raise _REFUSED["survey_closed"]()
        return survey

    def _respondent(self, ctx: Context, survey: Survey) -> str:
        if not survey.anonymous:
            return ctx.user.id
        return rules.pseudonym(self.host.settings.secret, ctx.event_id, survey.id,
                               ctx.user.id)

    # -- results ------------------------------------------------------------------------------
    async def _flush(self, keys: set[SurveyKey]) -> None:
        for event, survey_id in keys:
            await self._publish_results(event, survey_id)

    async def _publish_results(self, event: str, survey_id: str) -> None:
        survey = await self.store.get(event, survey_id)
        if survey is None or survey.round is None:
            return
        _, counters = await self.store.counts(event, survey_id, survey.round)
        shown = rules.results(survey, survey.round, counters)
        topic = topics.session(survey.session) if rules.public(survey) \
            else topics.staff(survey.session)
        await self.host.publish(event, topic, "survey.results", shown)
        if survey.staff_below_threshold and rules.any_suppressed(shown):
            exact = rules.results(survey, survey.round, counters, exact=True)
            await self.host.publish(event, topics.staff(survey.session),
                                        "survey.raw_results", exact)

    async def _publish_state(self, event: str, survey: Survey) -> None:
        await self.host.publish(event, _state_topic(survey), "survey.state",
                                    {"survey": _wire(survey)})

    # -- snapshot and report ------------------------------------------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        staff = ctx.user.is_staff
        out = []
        for survey in await self.store.of_session(ctx.event_id, session.id):
            if survey.state == "draft" and not staff:
                continue
            wire = {**_wire(survey), "mine": await self._my_state(ctx, survey)}
            if survey.round is not None and (staff or rules.public(survey)):
                _, counters = await self.store.counts(ctx.event_id, survey.id, survey.round)
                wire["outcome"] = rules.results(survey, survey.round, counters)
            out.append(wire)
        return {"surveys": out}

    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        surveys, rows, trends, answers = [], [], [], []
        for survey in await self.store.of_session(event.id, session.id):
            entry = await self.survey_report(event, survey)
            surveys.append(entry)
            for shown in entry["rounds"]:
                rows += rules.csv_rows(survey, shown)
            trends += [{"survey": survey.title, **_trend_row(t)} for t in entry["trends"]]
            answers += [_answer_row(survey, r) for r in entry.get("answers", [])]
        return {"surveys": surveys, "csv": {"surveys": rows, "survey trends": trends,
                                            "survey answers": answers}}

    async def survey_report(self, event: EventDef, survey: Survey) -> dict[str, Any]:
        """One survey, every round, thresholded unless its creator allowed exact results."""
        exact = survey.staff_below_threshold
        rounds = []
        for round_ in survey.rounds:
            _, counters = await self.store.counts(event.id, survey.id, round_)
            rounds.append(rules.results(survey, round_, counters, exact=exact))
        entry: dict[str, Any] = {**_wire(survey), "rounds": rounds, "trends": []}
        if survey.series:
            pulses = await self.store.pulses(event.id, survey.id, survey.rounds)
            entry["trends"] = rules.trends(survey, pulses)
        if not survey.anonymous:
            entry["answers"] = await self.store.records(event.id, survey.id)
        return entry

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self.host.scheduler.handle("survey", self._on_timer)

    async def stop(self) -> None:
        await self._results.stop()

    def _now_ms(self) -> int:
        return int(self.host.clock.time() * 1000)

    async def _require(self, event: str, survey_id: str) -> Survey:
        survey = await self.store.get(event, survey_id)
        if survey is None:
            raise not_found(f"Survey `{survey_id}`")
        return survey


def _wire(survey: Survey) -> dict[str, Any]:
    wire: dict[str, Any] = msgspec.to_builtins(survey)
    return wire


def _state_topic(survey: Survey) -> str:
    return topics.staff(survey.session) if survey.state == "draft" \
        else topics.session(survey.session)


def _job(event: str, survey_id: str) -> str:
    return f"survey:{event}:{survey_id}"




def _trend_row(trend: dict[str, Any]) -> dict[str, Any]:
    below = "fewer than threshold" if trend["suppressed"] else None
    return {"question": trend["title"], "from": trend["from"], "to": trend["to"],
            "linked respondents": below or trend["linked"], "rose": trend.get("rose"),
            "same": trend.get("same"), "fell": trend.get("fell"),
            "mean change": trend.get("mean_change")}


def _answer_row(survey: Survey, record: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"survey": survey.title, "name": record["name"],
                           "mode": record["mode"]}
    for question in survey.questions:
        answer = record["answers"].get(question.id)
        poll = rules.as_poll(question, survey)
        row[question.title] = answer_text(poll, answer) if answer else ""
    return row
