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

from .agenda import ROLE_CODES, load_agendas
from .links import LOOPBACK, WILDCARDS, base_url, role_link
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
        # JSON lines: uvicorn's loggers write through Plenary's handler (logs.py), not the
        # text config uvicorn would install after the app was made.
        **({"log_config": None} if settings.log_format == "json" else {}),
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
    else:
        print_reach(settings, base_url(settings))
    from .app import create_app

    uvicorn.run(create_app(settings), **uvicorn_options(settings))  # type: ignore[arg-type]


def print_join_links(settings: Settings) -> None:
    base = base_url(settings)
    where = (f"embedded backend, data in {settings.data_dir}: a temporary folder unless "
             "PLENARY_DATA names one" if settings.redis_url is None
             else f"Redis at {settings.redis_url.split('@')[-1]}")
    print(f"\nPlenary demo on {base} ({where})\n")
    for event in load_agendas(settings.agenda_dir):
        print(f"  {event.title}")
        if event.short_code:
            print(f"    {'code':<10} {event.short_code} (type it at {base})")
        for role in ROLE_CODES:
            if getattr(event.codes, role) is not None:
                print(f"    {role:<10} {role_link(base, event, role)}")
        print()
    print(f"  organisers {base}/#/admin (admin key: {settings.admin_key})\n")
    print_reach(settings, base)
    sys.stdout.flush()


def print_reach(settings: Settings, base: str) -> None:
    """Say who can reach the server, and that browsers share cameras only over HTTPS."""
    if settings.host in WILDCARDS:
        print(f"  Phones and laptops on this network can open {base}")
        print("  Camera and screen sharing need HTTPS off localhost: put Plenary behind an "
              "HTTPS proxy (see README) for anyone who presents from another machine.\n")
    elif settings.host in LOOPBACK:
        print("  Only this machine can reach the server: run with HOST=0.0.0.0 to let phones "
              "in the room join.\n")


if __name__ == "__main__":
    main()
