"""The HTTP API: events, joining, health, metrics, OpenAPI and the client page."""

from __future__ import annotations

from harness import ADMIN_KEY, CODES, Client, Event, Server, event_def, http


def test_put_creates_then_updates_and_get_hides_the_codes(server: Server) -> None:
    definition = event_def("hrm-test-" + str(server.port))
    url = f"{server.http}/api/events/{definition['id']}"
    assert http("PUT", url, definition, token=ADMIN_KEY)[0] == 201
    status, public = http("GET", url)
    assert status == 200 and "codes" not in public
    assert [s["id"] for s in public["sessions"]] == ["opening", "open-floor"]
    definition["title"] = "Renamed"
    assert http("PUT", url, definition, token=ADMIN_KEY)[0] == 200
    assert http("GET", url)[1]["title"] == "Renamed"


def test_put_refuses_bad_keys_and_bad_definitions(server: Server) -> None:
    definition = event_def()
    url = f"{server.http}/api/events/{definition['id']}"
    assert http("PUT", url, definition)[0] == 401
    assert http("PUT", url, definition, token="wrong")[0] == 401
    status, body = http("PUT", url, {**definition, "sessions": "x"}, token=ADMIN_KEY)
    assert status == 400 and "sessions" in body["error"]["message"]
    status, body = http("PUT", url, b"{not json", token=ADMIN_KEY)
    assert status == 400 and body["error"]["code"] == "bad_request"
    status, body = http("PUT", f"{server.http}/api/events/other-id", definition, token=ADMIN_KEY)
    assert status == 400 and "differs" in body["error"]["message"]
    assert http("GET", url)[0] == 404  # nothing was written


async def test_an_update_keeps_what_sessions_hold(event: Event) -> None:
    moderator = await Client.connect(event.server, event.token("moderator"))
    await moderator.join("opening")
    await moderator.call("session.update", {"session": "opening", "live": True})
    definition = {**event.definition, "title": "New title"}
    assert http("PUT", f"{event.server.http}/api/events/{event.id}", definition,
                token=ADMIN_KEY)[0] == 200
    again = await Client.connect(event.server, event.token("moderator"))
    assert (await again.join("opening"))["session"]["live"] is True
    for c in (moderator, again):
        await c.close()


def test_join_codes_give_each_role_its_token(event: Event) -> None:
    url = f"{event.server.http}/api/events/{event.id}/join"
    for role, code in CODES.items():
        status, body = http("POST", url, {"name": "  Zoë Müller ", "code": code})
        assert status == 200 and body["role"] == role and body["token"]
    assert http("POST", url, {"name": "X", "code": "wrong"})[0] == 401
    assert http("POST", url, {"name": "   ", "code": CODES["attendee"]})[0] == 400
    assert http("POST", url, {"name": "X" * 81, "code": CODES["attendee"]})[0] == 400
    assert http("POST", f"{event.server.http}/api/events/nope/join",
                {"name": "X", "code": "y"})[0] == 404


def test_the_report_is_for_moderators_of_the_event(event: Event) -> None:
    url = f"{event.server.http}/api/events/{event.id}/sessions/opening/report"
    assert http("GET", url)[0] == 401
    assert http("GET", url, token=event.token("attendee"))[0] == 403
    assert http("GET", url, token=event.token("speaker"))[0] == 403
    status, report = http("GET", url, token=event.token("moderator"))
    assert status == 200 and report["session"]["id"] == "opening"
    assert http("GET", url + "?format=xml", token=event.token("moderator"))[0] == 400
    status, body = http("GET", url + "?format=csv", token=event.token("moderator"), raw=True)
    assert status == 200 and body.startswith("\ufeff".encode())


def test_ops_endpoints(server: Server) -> None:
    assert http("GET", f"{server.http}/healthz") == (200, {"status": "alive"})
    status, ready = http("GET", f"{server.http}/readyz")
    assert status == 200 and ready["status"] == "ready"
    status, metrics = http("GET", f"{server.http}/metrics", raw=True)
    assert status == 200 and b"plenary_connections" in metrics
    status, spec = http("GET", f"{server.http}/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert "/api/events/{event}/join" in spec["paths"]


def test_the_browser_client_is_served_at_the_root(server: Server) -> None:
    status, page = http("GET", f"{server.http}/", raw=True)
    assert status == 200 and b"<html" in page.lower()


def test_an_event_carries_its_branding_checked_field_by_field(server: Server) -> None:
    brand = {"name": "HR Summit", "accent": "#FFB000",
             "logo": "data:image/png;base64,iVBORw0KGgo="}
    definition = event_def(branding=brand)
    url = f"{server.http}/api/events/{definition['id']}"
    assert http("PUT", url, definition, token=ADMIN_KEY)[0] == 201
    assert http("GET", url)[1]["branding"] == brand
    for bad, field in (({"accent": "orange"}, "branding.accent"),
                       ({"logo": "javascript:alert(1)"}, "branding.logo"),
                       ({"name": ""}, "branding.name")):
        status, body = http("PUT", url, {**definition, "branding": bad}, token=ADMIN_KEY)
        assert status == 400 and body["error"]["field"] == field, body
    assert http("GET", url)[1]["branding"] == brand  # a refused update changed nothing
