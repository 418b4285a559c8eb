"""The event-wide export: every session and day, as sheets of readable rows.

One section (a spreadsheet sheet, or a block of the CSV) per part: an About sheet (the
event, its time zone, what "fewer than N" means), attendance and participation per session,
per day and per module, per attendee (named events only), then questions, polls, surveys,
pulse trends and breakout reports. Headers are words, options are their texts, times are
in the event's time zone, and the first columns say what a row is about (never an id).
Each section is built from the features' own session reports, so thresholds applied there
hold here too.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..agenda import EventDef, SessionDef
from ..auth import read_token
from ..errors import Code, ProtocolError, bad_request
from ..features.engagement import rules as attendance
from ..features.engagement.feature import EngagementFeature, agenda_ms
from ..features.surveys.schedule import zone
from ..messages import Role
from ..services import Services
from .edge import bearer, path_slug, problem, services_of
from .report import event_csv
from .xlsx import workbook

Rows = list[dict[str, Any]]

HEADERS = {
    "in_room": "In the room", "remote": "Online", "votes": "Answers", "option": "Option",
    "poll": "Poll", "kind": "Kind", "state": "State", "survey": "Survey", "round": "Day",
    "question": "Question", "answer": "Answer", "count": "Count", "required": "Required",
    "text": "Question", "status": "Status", "mode": "Where", "pinned": "Pinned",
    "author": "Asked by", "created_at": "Asked at", "name": "Name", "breakout": "Breakout",
    "room": "Room", "members": "Members", "report": "Report",
}


async def sections(services: Services, event: EventDef, now_ms: int) -> dict[str, Rows]:
    tz = zone(event.timezone)
    engagement = next(f for f in services.features if isinstance(f, EngagementFeature))
    out: dict[str, Rows] = {"About": _about(event, tz, now_ms), "Sessions": [], "Days": [],
                            "Modules": [], "Attendees": []}
    parts: dict[str, Rows] = {}
    days: dict[str, list[tuple[SessionDef, list[attendance.Stay], dict[str, int]]]] = {}
    modules: dict[str, list[tuple[SessionDef, list[attendance.Stay], dict[str, int]]]] = {}
    for session in event.sessions:
        report: dict[str, Any] = {}
        csv: dict[str, Rows] = {}
        for feature in services.features:
            part = await feature.report(event, session)
            csv.update(part.pop("csv", {}))
            report.update(part)
        stays = await engagement.stays(event, session)
        counts = participation(report)
        day = _day(session, stays, tz)
        out["Sessions"].append(_session_row(session, stays, counts, day, tz))
        days.setdefault(day, []).append((session, stays, counts))
        modules.setdefault(session.track or session.title, []).append((session, stays, counts))
        if event.named_attendance:
            out["Attendees"] += _attendee_rows(session, stays, report)
        for name, rows in csv.items():
            if name == "attendance":
                continue
            parts.setdefault(_title(name), []).extend(
                {"Session": session.title, **_readable(row, tz)} for row in rows)
    out["Days"] = [_group_row("Day", day, group) for day, group in sorted(days.items())]
    out["Modules"] = [_group_row("Module", name, group) for name, group in modules.items()]
    if not event.named_attendance:
        del out["Attendees"]
    return {**out, **parts}


def participation(report: dict[str, Any]) -> dict[str, int]:
    """What a session's people took part in, from its report (figures below a threshold
    count as 0: they are not shown anywhere, so they are not summed either)."""
    questions = report.get("questions", [])
    rooms = [room for b in report.get("breakouts", []) for room in b.get("rooms", [])]
    return {
        "questions": len(questions),
        "upvotes": sum(int(q.get("votes") or 0) for q in questions),
        "poll_answers": sum(int(p["outcome"].get("votes") or 0)
                            for p in report.get("polls", [])),
        "survey_submissions": sum(int(r.get("respondents") or 0)
                                  for s in report.get("surveys", []) for r in s["rounds"]),
        "breakout_participants": len({m.get("id") for room in rooms
                                      for m in room.get("members", [])}),
    }


def _session_row(session: SessionDef, stays: list[attendance.Stay], counts: dict[str, int],
                 day: str, tz: ZoneInfo) -> dict[str, Any]:
    figures = attendance.session_figures(stays, *agenda_ms(session))
    return {"Session": session.title, "Day": day, "Starts": _local(session.starts_at, tz),
            "Ends": _local(session.ends_at, tz), "Module": session.track or "",
            "Room": session.room or "", "Attendees": figures["attendees"],
            "In the room": figures["in_room"], "Online": figures["remote"],
            "Peak concurrent": figures["peak"],
            "Average concurrent": figures["average_concurrent"],
            "Average minutes present": figures["average_minutes"],
            **_counts(counts)}


def _group_row(label: str, name: str, group: Iterable[tuple[SessionDef, list[attendance.Stay],
                                                            dict[str, int]]]) -> dict[str, Any]:
    group = list(group)
    stays = [s for _, st, _ in group for s in st]
    room = {s.who for s in stays if s.mode == "in_room"}
    people = attendance.unique([st for _, st, _ in group])
    totals = {k: sum(c[k] for _, _, c in group) for k in group[0][2]} if group else {}
    return {label: name, "Sessions": len(group), "Attendees": people,
            "In the room": len(room), "Online": people - len(room), **_counts(totals)}


def _counts(counts: dict[str, int]) -> dict[str, Any]:
    return {"Questions": counts.get("questions", 0), "Upvotes": counts.get("upvotes", 0),
            "Poll answers": counts.get("poll_answers", 0),
            "Survey submissions": counts.get("survey_submissions", 0),
            "Breakout participants": counts.get("breakout_participants", 0)}


def _attendee_rows(session: SessionDef, stays: list[attendance.Stay],
                   report: dict[str, Any]) -> Rows:
    """Per named attendee: minutes present, what they took part in, the engagement index."""
    figures = attendance.session_figures(stays, *agenda_ms(session))
    minutes = attendance.minutes_by_person(stays)
    acts: dict[str, dict[str, int]] = {}

    def add(user: str | None, what: str) -> None:
        if user:
            mine = acts.setdefault(user, {})
            mine[what] = mine.get(what, 0) + 1

    for q in report.get("questions", []):
        add((q.get("author") or {}).get("id"), "questions")
    for p in report.get("polls", []):
        for ballot in p.get("ballots", []):
            add(ballot["user"], "polls")
    for s in report.get("surveys", []):
        for record in s.get("answers", []):
            add(record["user"], "surveys")
    for b in report.get("breakouts", []):
        for room in b.get("rooms", []):
            for m in room.get("members", []):
                add(m.get("id"), "breakouts")
    rows = []
    for who, present in sorted(minutes.items(), key=lambda kv: kv[0].partition("|")[2]):
        user, _, name = who.partition("|")
        mine = acts.get(user, {})
        done = sum(mine.values())
        rows.append({"Name": name, "Session": session.title, "Minutes present": present,
                     "Questions": mine.get("questions", 0), "Poll answers": mine.get("polls", 0),
                     "Survey submissions": mine.get("surveys", 0),
                     "Breakout rooms": mine.get("breakouts", 0),
                     "Engagement index": attendance.engagement_index(
                         present, figures["length_minutes"], done)})
    return rows


def _about(event: EventDef, tz: ZoneInfo, now_ms: int) -> Rows:
    generated = dt.datetime.fromtimestamp(now_ms / 1000, tz).strftime("%Y-%m-%d %H:%M")
    return [
        {"Item": "Event", "Value": event.title},
        {"Item": "Time zone", "Value": f"{event.timezone} (every time in this file)"},
        {"Item": "Generated", "Value": generated},
        {"Item": "Privacy", "Value": "A group with fewer answers than its poll's or survey's "
                                     "minimum reads \"fewer than N\", as does any group that "
                                     "could be worked out by subtraction."},
        {"Item": "Engagement index", "Value": "100 × (0.6 × share of the session present + "
                                              "0.4 × min(1, actions / 3)); actions: questions, "
                                              "poll answers, survey submissions, breakout "
                                              "rooms (named polls and surveys only)"},
    ]


def _day(session: SessionDef, stays: list[attendance.Stay], tz: ZoneInfo) -> str:
    start = agenda_ms(session)[0]
    if start is None and stays:
        start = min(s.start for s in stays)
    if start is None:
        return ""
    return dt.datetime.fromtimestamp(start / 1000, tz).date().isoformat()


def _local(text: str | None, tz: ZoneInfo) -> str:
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _readable(row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """Readable headers, local times, internal ids last."""
    out: dict[str, Any] = {}
    ids: dict[str, Any] = {}
    for key, value in row.items():
        if key == "id":
            ids["Id"] = value
        elif key == "created_at":
            out[HEADERS[key]] = _local(str(value), tz)
        else:
            out[HEADERS.get(key, key[:1].upper() + key[1:])] = value
    return {**out, **ids}


def _title(section: str) -> str:
    return section[:1].upper() + section[1:]


# -- the endpoint ----------------------------------------------------------------------------
async def event_export(request: Request) -> Response:
    """GET /api/events/{event}/report?format=xlsx|csv|json (a moderator's token)."""
    try:
        services = services_of(request)
        event_id = path_slug(request, "event")
        user = read_token(services.settings.secret, bearer(request))
        if user.event != event_id or not user.can(Role.moderator):
            raise ProtocolError(Code.forbidden, "The export is for this event's moderators.")
        fmt = request.query_params.get("format", "xlsx")
        if fmt not in ("xlsx", "csv", "json"):
            raise bad_request("format: must be `xlsx`, `csv` or `json`.")
        event = await services.events.require(event_id)
        data = await sections(services, event, int(time.time() * 1000))
        return _render(data, fmt, event)
    except ProtocolError as exc:
        return problem(exc)


def _render(data: dict[str, Rows], fmt: str, event: EventDef) -> Response:
    if fmt == "json":
        return JSONResponse({"event": {"id": event.id, "title": event.title,
                                       "timezone": event.timezone}, "sections": data})
    attachment = {"Content-Disposition": f'attachment; filename="{event.id}.{fmt}"'}
    if fmt == "csv":
        return Response(event_csv(event.title, data), media_type="text/csv; charset=utf-8",
                        headers=attachment)
    return Response(workbook(data), headers=attachment,
                    media_type="application/vnd.openxmlformats-officedocument"
                               ".spreadsheetml.sheet")
