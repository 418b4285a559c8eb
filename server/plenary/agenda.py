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
    timezone: str = "UTC"
    description: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    # -- the event's look (issue 18) ----------------------------------------------------------
    branding: Branding | None = None

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
