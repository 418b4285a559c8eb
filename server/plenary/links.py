"""The addresses people are given: the server's base URL as a phone in the room can reach it,
and the join link that the room screen's QR code and the admin pages hand out."""

from __future__ import annotations

import contextlib
import socket
from urllib.parse import quote

from .agenda import EventDef
from .settings import Settings

WILDCARDS = ("0.0.0.0", "::", "")
LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def lan_address() -> str | None:
    """This machine's first non-loopback IPv4 address, from its own name (sends nothing)."""
    with contextlib.suppress(OSError):
        for *_, addr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            ip = str(addr[0])
            if not ip.startswith("127."):
                return ip
    return None


def base_url(settings: Settings, request_base: str | None = None) -> str:
    """PLENARY_PUBLIC_URL, else the address the request came to; a loopback address becomes
    the LAN address when the server listens on every interface."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    base = (request_base or f"http://localhost:{settings.port}").rstrip("/")
    scheme, _, rest = base.partition("://")
    host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    if settings.host in WILDCARDS and host in LOOPBACK:
        lan = lan_address()
        if lan:
            return f"{scheme}://{lan}" + (f":{port}" if port else "")
    return base


def join_link(base: str, event: EventDef) -> str:
    """The attendees' link: the short code if the event has one, else its id and code."""
    if event.short_code:
        return f"{base}/#/join?code={quote(event.short_code)}"
    return f"{base}/#/join?event={quote(event.id)}&code={quote(event.codes.attendee)}"


def role_link(base: str, event: EventDef, role: str) -> str:
    code = getattr(event.codes, role)
    page = "screen" if role == "display" else "join"
    return f"{base}/#/{page}?event={quote(event.id)}&code={quote(code)}"
