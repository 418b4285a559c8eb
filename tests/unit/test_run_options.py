"""`python -m plenary` and the Procfile run the same uvicorn WebSocket transport."""

from __future__ import annotations

from pathlib import Path

import pytest

from plenary.__main__ import uvicorn_options
from plenary.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_plenarys_own_transport_by_default_and_uvicorns_as_the_fallback() -> None:
    assert uvicorn_options(Settings(demo=True))["ws"] == "plenary.transport:PlenaryWebSocket"
    assert uvicorn_options(Settings(demo=True, ws_transport="asgi"))["ws"] == "websockets-sansio"
    with pytest.raises(SettingsError):
        Settings.from_env({"PLENARY_DEMO": "1", "PLENARY_WS_TRANSPORT": "wsproto"})


def test_the_procfile_runs_the_same_transport_and_loop() -> None:
    procfile = (ROOT / "Procfile").read_text()
    options = uvicorn_options(Settings(demo=True))
    assert f"--ws {options['ws']}" in procfile
    assert f"--loop {options['loop']}" in procfile
    assert "--ws-per-message-deflate false" in procfile
