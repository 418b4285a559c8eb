"""Event definitions: the agenda an organiser PUTs over HTTP or keeps in config/agendas/."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import msgspec

from .messages import Slug, convert, decode

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code_ = Annotated[str, msgspec.Meta(min_length=4, max_length=128)]


class Codes(msgspec.Struct, forbid_unknown_fields=True):
    attendee: Code_
    speaker: Code_
    moderator: Code_


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


class EventDef(msgspec.Struct, omit_defaults=True):
    id: Slug
    title: Title
    codes: Codes
    sessions: Annotated[list[SessionDef], msgspec.Meta(max_length=500)]
    timezone: str = "UTC"
    description: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    # issue 14: attendance kept per named person (for organisers), else by pseudonym only
    named_attendance: bool = False

    def __post_init__(self) -> None:
        ids = [s.id for s in self.sessions]
        if len(ids) != len(set(ids)):
            raise ValueError("session ids must be unique within an event")
        codes = [self.codes.attendee, self.codes.speaker, self.codes.moderator]
        if len(set(codes)) != 3:
            raise ValueError("each role needs its own join code")

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
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else decode(raw)
    return parse_event(data)


def load_agendas(folder: Path) -> list[EventDef]:
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in {".json", ".toml"})
    return [load_agenda_file(p) for p in files]
