"""Event definitions: the agenda an organiser PUTs over HTTP or keeps in config/agendas/."""

from __future__ import annotations

import datetime
import tomllib
import zoneinfo
from pathlib import Path
from typing import Annotated

import msgspec

from .errors import bad_request
from .messages import Slug, convert, decode

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code_ = Annotated[str, msgspec.Meta(min_length=4, max_length=128)]
# The short event code people type on the landing page (`WELLBEING22`); any case is accepted.
ShortCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{4,24}$")]
ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ROLE_CODES = ("attendee", "speaker", "moderator", "display", "captioner", "interpreter")


class Codes(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    attendee: Code_
    speaker: Code_
    moderator: Code_
    # The room screen's key: it shows the session, with no attendee rights (Role.display).
    display: Code_ | None = None
    # The desks, for events that have them: live captioning and interpretation.
    captioner: Code_ | None = None
    interpreter: Code_ | None = None

    def given(self) -> list[str]:
        return [c for c in (getattr(self, r) for r in ROLE_CODES) if c is not None]


class SessionDef(msgspec.Struct, omit_defaults=True):
    id: Slug
    title: Title
    starts_at: str | None = None
    ends_at: str | None = None
    speakers: list[Annotated[str, msgspec.Meta(max_length=200)]] = []
    qa_moderated: bool = True
    track: str | None = None
    room: str | None = None
    description: Annotated[str, msgspec.Meta(max_length=4000)] | None = None

    def check_times(self) -> None:
        start, end = parse_time(self.starts_at, "starts_at"), parse_time(self.ends_at, "ends_at")
        if start and end and end < start:
            raise ValueError(f"session `{self.id}` ends before it starts")


def parse_time(value: str | None, name: str) -> datetime.datetime | None:
    """An agenda time: ISO 8601 with its UTC offset (a time without one is ambiguous)."""
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: `{value}` is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{name}: `{value}` needs its UTC offset (e.g. +02:00)")
    return parsed


class Branding(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The organiser's look for the event: the name in the top bar (the title if absent), a
    logo (an https address or a data: image of at most ~100 KB) and an accent colour. The
    client checks the accent's contrast in both themes and darkens or lightens it until text
    on the page and on the accent reads at 4.5:1 (client/js/brand.js)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    logo: Annotated[str, msgspec.Meta(
        max_length=140_000, pattern=r"^(https://\S+|data:image/(png|jpeg|webp|svg\+xml);base64,"
                                    r"[A-Za-z0-9+/=]+)$")] | None = None
    accent: Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None


class EventDef(msgspec.Struct, omit_defaults=True):
    id: Slug
    title: Title
    codes: Codes
    sessions: Annotated[list[SessionDef], msgspec.Meta(max_length=500)]
    timezone: ZoneName = "UTC"
    description: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    # issue 14: attendance kept per named person (for organisers), else by pseudonym only
    named_attendance: bool = False
    # -- the organiser's day (issue 16) ------------------------------------------------------
    short_code: ShortCode | None = None  # one per event, case-insensitive
    guests: bool = False  # attendees may join without a name ("Guest 417")
    starts_on: str | None = None  # ISO dates of the event as a whole
    ends_on: str | None = None
    days: list[Annotated[str, msgspec.Meta(max_length=200)]] = []  # modules or days, in order
    # -- the event's look (issue 18) ----------------------------------------------------------
    branding: Branding | None = None

    def __post_init__(self) -> None:
        ids = [s.id for s in self.sessions]
        if len(ids) != len(set(ids)):
            raise ValueError("session ids must be unique within an event")
        codes = self.codes.given()
        if len(set(codes)) != len(codes):
            raise ValueError("each role needs its own join code")
        if self.short_code is not None:
            self.short_code = self.short_code.upper()
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: `{self.timezone}` is not an IANA time zone") from None
        for s in self.sessions:
            s.check_times()

    def session(self, session_id: str) -> SessionDef | None:
        for s in self.sessions:
            if s.id == session_id:
                return s
        return None

    def public(self) -> dict[str, object]:
        """The agenda as anyone may read it: everything but the join codes."""
        doc = msgspec.to_builtins(self)
        del doc["codes"]
        return doc


def parse_event(data: object) -> EventDef:
    return convert(data, EventDef)


def load_agenda_file(path: Path) -> EventDef:
    return parse_agenda(path.read_bytes(), toml=path.suffix == ".toml")


def parse_agenda(raw: bytes, *, toml: bool) -> EventDef:
    """An agenda file's text (JSON, or TOML as in config/agendas/); `bad_request` if flawed."""
    try:
        data = tomllib.loads(raw.decode()) if toml else decode(raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, msgspec.DecodeError) as exc:
        raise bad_request(f"The body is not valid {'TOML' if toml else 'JSON'}: {exc}") from None
    return parse_event(data)


def load_agendas(folder: Path) -> list[EventDef]:
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in {".json", ".toml"})
    return [load_agenda_file(p) for p in files]
