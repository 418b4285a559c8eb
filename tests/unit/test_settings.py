from __future__ import annotations

from pathlib import Path

import pytest

from plenary.settings import DEMO_SECRET, Settings, SettingsError

GOOD = {"PLENARY_SECRET": "s" * 32, "PLENARY_ADMIN_KEY": "admin"}


def test_every_variable_is_read_and_typed() -> None:
    settings = Settings.from_env({
        **GOOD, "REDIS_URL": "redis://r:6379/0", "PORT": "9000", "HOST": "0.0.0.0",
        "PLENARY_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        "PLENARY_HISTORY_SIZE": "50", "PLENARY_COALESCE_INTERVAL_S": "0.5",
        "PLENARY_DEMO": "0", "PLENARY_AGENDA_DIR": "/tmp/agendas"})
    assert settings.redis_url == "redis://r:6379/0"
    assert settings.port == 9000 and settings.host == "0.0.0.0"
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.history_size == 50 and settings.coalesce_interval_s == 0.5
    assert settings.agenda_dir == Path("/tmp/agendas")


def test_the_server_refuses_to_start_without_a_real_secret() -> None:
    for env in ({}, {"PLENARY_SECRET": DEMO_SECRET, "PLENARY_ADMIN_KEY": "k"},
                {"PLENARY_SECRET": "short", "PLENARY_ADMIN_KEY": "k"},
                {"PLENARY_SECRET": "s" * 32}):
        with pytest.raises(SettingsError, match="PLENARY_"):
            Settings.from_env(env)


def test_demo_mode_runs_on_the_demo_secret() -> None:
    assert Settings.from_env({"PLENARY_DEMO": "1"}).secret == DEMO_SECRET


def test_a_malformed_number_says_which_variable() -> None:
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({**GOOD, "PORT": "eighty"})


def test_every_variable_is_documented_in_the_example_env() -> None:
    example = (Path(__file__).parents[2] / "config" / "example.env").read_text()
    import dataclasses

    from plenary.settings import _env_name
    for field in dataclasses.fields(Settings):
        assert f"\n{_env_name(field.name)}=" in example, field.name
