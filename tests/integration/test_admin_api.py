"""The organiser's HTTP API: list, create (JSON and TOML), edit, delete, export, rotate join
codes; short codes and guests; the room screen's display key; iCalendar feeds; OpenAPI."""

from __future__ import annotations

import datetime
import secrets
import urllib.request
from typing import Any

import icalendar
import pytest

from harness import ADMIN_KEY, CODES, Client, CommandFailed, Server, event_def, http


def short() -> str:
    return "EV" + secrets.token_hex(3).upper()


def make(server: Server, **extra: Any) -> dict[str, Any]:
    definition = event_def(**extra)
    status, body = http("POST", f"{server.http}/api/events", definition, token=ADMIN_KEY)
    assert status == 201, body
    return definition


def test_list_create_edit_delete(server: Server) -> None:
    base = f"{server.http}/api/events"
    definition = make(server, title="Day one")
    assert http("GET", base)[0] == 401
    status, listed = http("GET", base, token=ADMIN_KEY)
    assert status == 200
    mine = next(e for e in listed["events"] if e["id"] == definition["id"])
    assert mine == {"id": definition["id"], "title": "Day one", "timezone": "UTC",
                    "sessions": 2, "short_code": None, "starts_on": None, "ends_on": None}
    assert http("POST", base, definition, token=ADMIN_KEY)[0] == 409
    definition["sessions"].append({"id": "closing", "title": "Closing", "room": "Hall B"})
    url = f"{base}/{definition['id']}"
    assert http("PUT", url, definition, token=ADMIN_KEY)[0] == 200
    assert [s["id"] for s in http("GET", url)[1]["sessions"]][-1] == "closing"
    assert http("DELETE", url)[0] == 401
    assert http("DELETE", url, token=ADMIN_KEY)[0] == 204
    assert http("GET", url)[0] == 404
    assert http("DELETE", url, token=ADMIN_KEY)[0] == 404
    ids = [e["id"] for e in http("GET", base, token=ADMIN_KEY)[1]["events"]]
    assert definition["id"] not in ids
    assert http("POST", f"{url}/join", {"name": "Late", "code": CODES["attendee"]})[0] == 404


def test_an_agenda_file_imports_as_toml_and_exports_with_its_codes(server: Server) -> None:
    event_id = "toml-" + secrets.token_hex(3)
    toml = f"""id = "{event_id}"
title = "Workshop"
timezone = "Europe/Brussels"
days = ["Module 1", "Module 2"]
[codes]
attendee = "t-attend"
speaker = "t-speak"
moderator = "t-moderate"
[[sessions]]
id = "module-1"
title = "Module 1"
starts_at = "2023-03-06T09:00:00+01:00"
"""
    request = urllib.request.Request(f"{server.http}/api/events", data=toml.encode(),
                                     method="POST", headers={
                                         "Content-Type": "application/toml",
                                         "Authorization": f"Bearer {ADMIN_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    status, exported = http("GET", f"{server.http}/api/events/{event_id}/export",
                            token=ADMIN_KEY)
    assert status == 200 and exported["codes"]["speaker"] == "t-speak"
    assert exported["days"] == ["Module 1", "Module 2"]
    assert http("GET", f"{server.http}/api/events/{event_id}/export")[0] == 401
    bad = toml.replace('timezone = "Europe/Brussels"', 'timezone = "Mars/Olympus"')
    request = urllib.request.Request(f"{server.http}/api/events/{event_id}", data=bad.encode(),
                                     method="PUT", headers={
                                         "Content-Type": "application/toml",
                                         "Authorization": f"Bearer {ADMIN_KEY}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400 and b"timezone" in refused.value.read()


def test_rotating_a_code_refuses_the_old_one(server: Server) -> None:
    definition = make(server)
    url = f"{server.http}/api/events/{definition['id']}"
    assert http("POST", f"{url}/codes/speaker/rotate")[0] == 401
    assert http("POST", f"{url}/codes/owner/rotate", token=ADMIN_KEY)[0] == 404
    status, rotated = http("POST", f"{url}/codes/speaker/rotate", token=ADMIN_KEY)
    assert status == 200 and rotated["role"] == "speaker" and rotated["code"] != CODES["speaker"]
    assert http("POST", f"{url}/join", {"name": "Old", "code": CODES["speaker"]})[0] == 401
    status, joined = http("POST", f"{url}/join", {"name": "New", "code": rotated["code"]})
    assert status == 200 and joined["role"] == "speaker"
    assert http("POST", f"{url}/join", {"name": "A", "code": CODES["attendee"]})[0] == 200


def test_short_codes_are_case_insensitive_and_unique(server: Server) -> None:
    code = short()
    definition = make(server, short_code=code.lower())
    status, joined = http("POST", f"{server.http}/api/join", {"name": "Ana", "code": code.lower()})
    assert status == 200 and joined["event"] == definition["id"] and joined["role"] == "attendee"
    assert http("POST", f"{server.http}/api/join", {"name": "Ana", "code": "NOPE1234"})[0] == 404
    url = f"{server.http}/api/events/{definition['id']}"
    assert http("POST", f"{url}/join", {"name": "Bo", "code": f" {code} "})[0] == 200
    assert http("GET", url)[1]["short_code"] == code
    other = event_def(short_code=code)
    status, body = http("POST", f"{server.http}/api/events", other, token=ADMIN_KEY)
    assert status == 409 and "short_code" in body["error"]["message"]
    # A new short code frees the old one.
    renamed = short()
    assert http("PUT", url, {**definition, "short_code": renamed}, token=ADMIN_KEY)[0] == 200
    assert http("POST", f"{server.http}/api/join", {"name": "C", "code": code})[0] == 404
    assert http("POST", f"{server.http}/api/join", {"name": "C", "code": renamed})[0] == 200
    assert http("POST", f"{server.http}/api/events", other, token=ADMIN_KEY)[0] == 201


def test_guests_join_without_a_name_where_the_event_allows_it(server: Server) -> None:
    closed = make(server)
    assert http("POST", f"{server.http}/api/events/{closed['id']}/join",
                {"code": CODES["attendee"]})[0] == 400
    open_ = make(server, guests=True)
    status, joined = http("POST", f"{server.http}/api/events/{open_['id']}/join",
                          {"code": CODES["attendee"], "name": "  "})
    assert status == 200 and joined["name"].startswith("Guest ")
    assert 100 <= int(joined["name"].split()[1]) <= 999
    # Staff still give their name.
    assert http("POST", f"{server.http}/api/events/{open_['id']}/join",
                {"code": CODES["moderator"]})[0] == 400


async def test_the_display_key_sees_the_session_and_can_do_nothing(server: Server) -> None:
    definition = make(server, codes={**CODES, "display": "code-display"})
    url = f"{server.http}/api/events/{definition['id']}"
    status, joined = http("POST", f"{url}/join", {"code": "code-display"})
    assert status == 200 and joined["role"] == "display" and joined["name"] == "Room screen"
    screen = await Client.connect(server, joined["token"])
    snapshot = await screen.join("opening")
    assert snapshot["session"]["id"] == "opening"
    with pytest.raises(CommandFailed) as refused:
        await screen.call("qa.ask", {"session": "opening", "text": "Can a screen ask?"})
    assert refused.value.code == "forbidden"
    status, invite = http("GET", f"{url}/invite", token=joined["token"])
    assert status == 200 and invite["link"].endswith(
        f"/#/join?event={definition['id']}&code={CODES['attendee']}")
    assert invite["qr_svg"].startswith("<svg")
    attendee = http("POST", f"{url}/join", {"name": "A", "code": CODES["attendee"]})[1]
    assert http("GET", f"{url}/invite", token=attendee["token"])[0] == 403
    await screen.close()


def test_calendar_feeds_parse_back_in_the_events_zone(server: Server) -> None:
    sessions = [
        {"id": "keynote", "title": "Keynote", "room": "Hall A", "speakers": ["Dr Who"],
         "starts_at": "2022-06-14T07:30:00+00:00", "ends_at": "2022-06-14T08:30:00+00:00"},
        {"id": "untimed", "title": "Whenever"},
    ]
    definition = make(server, timezone="Europe/Brussels", sessions=sessions)
    url = f"{server.http}/api/events/{definition['id']}"
    status, raw = http("GET", f"{url}/calendar.ics", raw=True)
    assert status == 200
    cal = icalendar.Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Keynote"]
    start = events[0].decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Brussels"
    assert start.hour == 9 and start.minute == 30  # 07:30 UTC in Brussels' summer time
    assert start == datetime.datetime(2022, 6, 14, 7, 30, tzinfo=datetime.UTC)
    assert str(events[0]["location"]) == "Hall A" and "Dr Who" in str(events[0]["description"])
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    status, raw = http("GET", f"{url}/sessions/keynote/calendar.ics", raw=True)
    assert status == 200 and len(icalendar.Calendar.from_ical(raw).walk("VEVENT")) == 1
    assert http("GET", f"{url}/sessions/nope/calendar.ics")[0] == 404


def test_bad_times_and_zones_are_refused(server: Server) -> None:
    base = f"{server.http}/api/events"
    naive = event_def(sessions=[{"id": "a", "title": "A", "starts_at": "2022-06-14T09:00"}])
    status, body = http("POST", base, naive, token=ADMIN_KEY)
    assert status == 400 and "offset" in body["error"]["message"]
    backwards = event_def(sessions=[{"id": "a", "title": "A",
                                     "starts_at": "2022-06-14T09:00:00Z",
                                     "ends_at": "2022-06-14T08:00:00Z"}])
    assert http("POST", base, backwards, token=ADMIN_KEY)[0] == 400


def test_the_openapi_document_comes_from_the_types(server: Server) -> None:
    spec = http("GET", f"{server.http}/openapi.json")[1]
    assert {"get", "post"} <= set(spec["paths"]["/api/events"])
    assert "delete" in spec["paths"]["/api/events/{event}"]
    schemas = spec["components"]["schemas"]
    assert "short_code" in schemas["EventDef"]["properties"]
    assert schemas["JoinBody"]["required"] == ["code"]
    assert set(schemas["Codes"]["required"]) == {"attendee", "speaker", "moderator"}
    join = spec["paths"]["/api/join"]["post"]
    assert join["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/JoinBody")


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_events_codes_hooks_and_deletions_outlive_the_process(
        backend: str, request: pytest.FixtureRequest) -> None:
    redis_url = request.getfixturevalue("redis_server").url if backend == "redis" else None
    srv = Server(redis_url).start()  # the embedded backend: SQLite in its data folder
    try:
        kept = make(srv, short_code=(code := short()))
        gone = make(srv)
        assert http("DELETE", f"{srv.http}/api/events/{gone['id']}", token=ADMIN_KEY)[0] == 204
        hooks = f"{srv.http}/api/events/{kept['id']}/webhooks"
        assert http("POST", hooks, {"url": "https://hooks.example.org/x"},
                    token=ADMIN_KEY)[0] == 201
        srv.stop()
        srv.start()
        ids = [e["id"] for e in http("GET", f"{srv.http}/api/events", token=ADMIN_KEY)[1]
               ["events"]]
        assert kept["id"] in ids and gone["id"] not in ids
        status, joined = http("POST", f"{srv.http}/api/join", {"name": "A", "code": code})
        assert status == 200 and joined["event"] == kept["id"]
        listed = http("GET", hooks, token=ADMIN_KEY)[1]["webhooks"]
        assert [h["url"] for h in listed] == ["https://hooks.example.org/x"]
    finally:
        srv.stop()


def test_the_favicon_is_served_and_linked(server: Server) -> None:
    status, icon = http("GET", f"{server.http}/favicon.svg", raw=True)
    assert status == 200 and icon.startswith(b"<svg")
    assert b'rel="icon" href="/favicon.svg"' in http("GET", f"{server.http}/", raw=True)[1]
