"""`python -m plenary [--demo]`: run the server with uvicorn.

`--demo` runs on the embedded backend with the demo conferences of config/demo/ and prints
their join links, one per role. Its data goes to a temporary folder unless PLENARY_DATA
names one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from .agenda import load_agendas
from .settings import ROOT, Settings, SettingsError

WS_PROTOCOLS = {"plenary": "plenary.transport:PlenaryWebSocket", "asgi": "websockets-sansio"}


def uvicorn_options(settings: Settings) -> dict[str, object]:
    """The uvicorn settings Plenary is built for (the Procfile passes the same as flags)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "ws": WS_PROTOCOLS[settings.ws_transport],
        "ws_per_message_deflate": False,
        "ws_max_size": settings.max_frame_bytes,
        "ws_ping_interval": settings.ping_interval_s,
        "ws_ping_timeout": settings.ping_timeout_s,
        "lifespan": "on",
        "loop": settings.event_loop,  # docs/BENCHMARKS.md: which is faster, as measured
        "log_level": "info",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="plenary", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="run the demo conferences")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.demo:
        overrides = {"demo": True, "agenda_dir": ROOT / "config" / "demo"}
        if not os.environ.get("PLENARY_DATA"):
            overrides["data_dir"] = Path(tempfile.mkdtemp(prefix="plenary-demo-"))
    try:
        settings = Settings.from_env(**overrides)
    except SettingsError as exc:
        sys.exit(f"plenary: {exc}")
    if args.demo:
        print_join_links(settings)
    from .app import create_app

    uvicorn.run(create_app(settings), **uvicorn_options(settings))  # type: ignore[arg-type]


def print_join_links(settings: Settings) -> None:
    host = "localhost" if settings.host in ("0.0.0.0", "127.0.0.1", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    where = (f"embedded backend, data in {settings.data_dir}: a temporary folder unless "
             "PLENARY_DATA names one" if settings.redis_url is None
             else f"Redis at {settings.redis_url.split('@')[-1]}")
    print(f"\nPlenary demo on {base} ({where})\n")
    for event in load_agendas(settings.agenda_dir):
        print(f"  {event.title}")
        for role in ("attendee", "speaker", "moderator"):
            code = getattr(event.codes, role)
            print(f"    {role:<10} {base}/#/join?event={event.id}&code={code}")
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
