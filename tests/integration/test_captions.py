"""Live captions over real sockets, on both backends and across two processes: a captioner's
lines reach everyone in the session, late joiners get the recent final lines, an engine's
interim lines are shown but never kept, and the report carries the transcript."""

from __future__ import annotations

from typing import Any

from harness import Client, Event, Server, create_event, http

SESSION = "opening"


async def member(event: Event, role: str = "attendee") -> Client:
    client = await Client.connect(event.server, event.token(role))
    await client.join(SESSION)
    return client


async def joiners_lines(event: Event) -> dict[str, Any]:
    """What a new joiner's snapshot says of captions."""
    late = await Client.connect(event.server, event.token("attendee"))
    snapshot = await late.join(SESSION)
    await late.close()
    return snapshot["captions"]  # type: ignore[no-any-return]


def line_of(text: str) -> Any:
    return lambda data: data["line"]["text"] == text


async def test_a_captioners_lines_reach_viewers_and_late_joiners(event: Event) -> None:
    captioner = await member(event, "captioner")
    viewer = await member(event)
    sent = await captioner.call("caption.line", {"session": SESSION, "text": "  Welcome, all. "})
    assert sent["line"]["text"] == "Welcome, all." and sent["line"]["lang"] == "en"
    got = (await viewer.event("caption", line_of("Welcome, all.")))["data"]
    assert got == {"session": SESSION, "line": sent["line"]}
    assert "by" not in got["line"]
    await captioner.call("caption.line", {"session": SESSION, "text": "Bienvenue.", "lang": "fr"})
    await viewer.event("caption", line_of("Bienvenue."))

    captions = await joiners_lines(event)
    assert [x["text"] for x in captions["lines"]] == ["Welcome, all.", "Bienvenue."]
    assert captions["languages"] == ["en", "fr"]
    for client in (captioner, viewer):
        await client.close()


async def test_interim_lines_of_an_engine_are_shown_then_replaced_never_kept(
        event: Event) -> None:
    engine = await member(event, "captioner")
    viewer = await member(event)
    for text, final in (("the wealth", False), ("the well-being of", False),
                        ("The well-being of staff.", True)):
        await engine.call("caption.line", {"session": SESSION, "text": text, "id": "utt-1",
                                           "final": final, "source": "asr"})
        got = (await viewer.event("caption", line_of(text)))["data"]
        assert got["line"]["id"] == "utt-1" and got["line"]["final"] is final
    assert [(x["id"], x["text"], x["source"]) for x in (await joiners_lines(event))["lines"]] == [
        ("utt-1", "The well-being of staff.", "asr")]
    await engine.close()
    await viewer.close()


async def test_only_captioners_and_above_send_and_bad_lines_change_nothing(
        event: Event) -> None:
    attendee = await member(event)
    captioner = await member(event, "captioner")
    speaker = await member(event, "speaker")
    assert await attendee.error("caption.line", {"session": SESSION, "text": "hi"}) == "forbidden"
    for bad in ({"session": SESSION, "text": "   "}, {"session": SESSION, "text": "x" * 501},
                {"session": SESSION, "text": "hi", "lang": "English"},
                {"session": SESSION, "text": "hi", "source": "robot"},
                {"session": SESSION, "text": "hi", "id": "has space"},
                {"session": SESSION, "text": "hi", "extra": 1}):
        assert await captioner.error("caption.line", bad) == "bad_request"
    assert await captioner.error("caption.line", {"session": "other", "text": "hi"}) in (
        "not_found", "forbidden")
    await speaker.call("caption.line", {"session": SESSION, "text": "A speaker may caption."})
    assert [x["text"] for x in (await joiners_lines(event))["lines"]] == [
        "A speaker may caption."]
    for client in (attendee, captioner, speaker):
        await client.close()


async def test_the_report_carries_the_transcript_in_json_and_csv(event: Event) -> None:
    captioner = await member(event, "captioner")
    for text in ("First line.", "Second line, with a comma."):
        await captioner.call("caption.line", {"session": SESSION, "text": text})
    url = f"{event.server.http}/api/events/{event.id}/sessions/{SESSION}/report"
    status, body = http("GET", url + "?format=json", token=event.token("moderator"))
    assert status == 200
    assert [x["text"] for x in body["captions"]["transcript"]] == [
        "First line.", "Second line, with a comma."]
    status, raw = http("GET", url + "?format=csv", token=event.token("moderator"), raw=True)
    assert status == 200 and '"Second line, with a comma."' in raw.decode("utf-8-sig")
    await captioner.close()


async def test_lines_cross_processes(cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    event = create_event(a)
    captioner = await Client.connect(a, event.token("captioner"))
    await captioner.join(SESSION)
    viewer = await Client.connect(b, event.token("attendee"))
    await viewer.join(SESSION)
    await captioner.call("caption.line", {"session": SESSION, "text": "Across processes."})
    await viewer.event("caption", line_of("Across processes."))
    await captioner.close()
    await viewer.close()
