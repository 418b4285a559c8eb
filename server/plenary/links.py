"""The addresses people are given: the server's base URL as a phone in the room can reach it,
and the join link that the room screen's QR code and the admin pages hand out."""

from __future__ import annotations

import contextlib
import socket
import struct
from urllib.parse import quote

from .agenda import EventDef
from .settings import Settings

WILDCARDS = ("0.0.0.0", "::", "")
LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def lan_address() -> str | None:
    """This machine's first non-loopback IPv4 address: from its own name, else from its
    network interfaces (Linux). Nothing is sent anywhere."""
    with contextlib.suppress(OSError):
        for *_, addr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            ip = str(addr[0])
            if not ip.startswith("127."):
                return ip
    return next((ip for ip in map(_interface_ip, _interfaces()) if ip), None)


def _interfaces() -> list[str]:
    with contextlib.suppress(OSError, AttributeError):
        return [name for _, name in socket.if_nameindex() if name != "lo"]
    return []


def _interface_ip(name: str) -> str | None:
    """The interface's IPv4 address (the SIOCGIFADDR ioctl), or None."""
    try:
        import fcntl

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
    except (OSError, ImportError):
        return None
    ip = socket.inet_ntoa(packed[20:24])
    return None if ip.startswith("127.") else ip


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
