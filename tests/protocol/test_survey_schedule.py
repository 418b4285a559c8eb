"""A scheduled daily pulse, in process on both backends, with the server's clock moved
forward: it waits for 9:00 in the event's time zone, opens that day's round, closes it an
hour later, opens the next day's, and stops after the last day; answers on both days link
by pseudonym into one trend."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from harness import Client
from inproc import InProcServer, create_event

QUESTIONS = [{"title": "How rested do you feel?", "kind": "scale", "scale": 5}]
TZ = "Pacific/Auckland"  # far from UTC: a schedule read in UTC would open on the wrong day


def state(survey_id: str, value: str, rounds: list[str]) -> object:
    return lambda d: d["survey"]["id"] == survey_id and d["survey"]["state"] == value and \
        d["survey"]["rounds"] == rounds


async def test_a_schedule_opens_and_closes_each_day_in_the_events_zone(
        server: InProcServer) -> None:
    event = await create_event(server, timezone=TZ)
    mod = await Client.connect(server, event.token("moderator"))
    await mod.join("opening")
    people = []
    for _ in range(3):
        person = await Client.connect(server, event.token())
        await person.join("opening")
        people.append(person)
    local_now = dt.datetime.fromtimestamp(server.clock.time(), ZoneInfo(TZ))
    day1 = (local_now + dt.timedelta(days=1)).date()
    day2 = day1 + dt.timedelta(days=1)
    survey = (await mod.call("survey.create", {
        "session": "opening", "title": "Daily pulse", "questions": QUESTIONS, "series": True,
        "min_responses": 3, "schedule": {"time": "09:00", "close_after_min": 60,
                                         "days": [day2.isoformat(), day1.isoformat()]},
    }))["survey"]
    armed = (await mod.call("survey.open", {"survey": survey["id"]}))["survey"]
    nine = dt.datetime.combine(day1, dt.time(9), ZoneInfo(TZ))
    assert armed["state"] == "scheduled" and armed["opens_at"] == int(nine.timestamp() * 1000)

    held: list[str] = []
    for day, ratings in ((day1, (2, 3, 4)), (day2, (3, 3, 2))):
        opens = dt.datetime.combine(day, dt.time(9), ZoneInfo(TZ)).timestamp()
        server.clock.advance(opens - server.clock.time() + 1)
        held.append(day.isoformat())
        await people[0].event("survey.state", state(survey["id"], "open", held), timeout=15)
        for person, rating in zip(people, ratings, strict=True):
            await person.call("survey.submit", {"survey": survey["id"],
                                                "answers": {"q1": {"rating": rating}}})
        server.clock.advance(3600)
        after = "scheduled" if day == day1 else "closed"
        await people[0].event("survey.state", state(survey["id"], after, held), timeout=15)
        assert await people[0].error("survey.submit", {"survey": survey["id"]}) == \
            "survey_closed"

    snapshot = (await mod.join("opening"))["surveys"][0]
    assert snapshot["state"] == "closed" and snapshot["rounds"] == held
    surveys = next(f for f in server.services.features if f.name == "surveys")
    definition = await server.services.events.require(event.id)
    report = await surveys.report(definition, definition.sessions[0])
    trend = report["surveys"][0]["trends"][0]
    assert (trend["from"], trend["to"], trend["linked"], trend["rose"], trend["fell"]) == \
        (held[0], held[1], 3, 1, 1)
    for client in (mod, *people):
        await client.close()
