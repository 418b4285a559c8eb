"""When a scheduled series opens and closes, in the event's time zone; no I/O, no clock.

"Every morning at 9:00 in the event's time zone for the workshop's days": each listed day
opens at `time` local time and closes `close_after_min` later, but never after that day's
local midnight, so one day's round never runs into the next. Daylight saving is handled by
`zoneinfo`: 9:00 stays 9:00 on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from .rules import Schedule

Window = tuple[str, int, int]  # (day, opens at, closes at), unix ms
Step = tuple[Literal["open"], str, int] | tuple[Literal["wait"], int] | tuple[Literal["done"]]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def windows(schedule: Schedule, tz: str) -> list[Window]:
    where = zone(tz)
    hour, minute = (int(part) for part in schedule.time.split(":"))
    out = []
    for day in sorted(schedule.days):
        date = dt.date.fromisoformat(day)
        start = dt.datetime.combine(date, dt.time(hour, minute), where)
        midnight = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0), where)
        end = min(start + dt.timedelta(minutes=schedule.close_after_min), midnight)
        out.append((day, _ms(start), _ms(end)))
    return out


def step(schedule: Schedule, tz: str, now_ms: int, held: list[str]) -> Step:
    """What the series should be doing at `now_ms`: open a day's round (until when), wait
    for the next opening, or nothing more (every day is past). Days already held are
    skipped, so a round never opens twice."""
    for day, opens, closes in windows(schedule, tz):
        if day in held or now_ms >= closes:
            continue
        if now_ms >= opens:
            return ("open", day, closes)
        return ("wait", opens)
    return ("done",)


def today(tz: str, now_ms: int) -> str:
    """The date in the event's time zone: a series opened by hand counts for this day."""
    return dt.datetime.fromtimestamp(now_ms / 1000, zone(tz)).date().isoformat()


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)
