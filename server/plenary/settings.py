"""The one settings object: every environment variable declared once, typed, with its default.

`config/example.env` documents each of them; keep the two in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEMO_SECRET = "plenary-demo-secret-change-me"
DEMO_ADMIN_KEY = "plenary-demo-admin-key"
ROOT = Path(__file__).resolve().parents[2]
WS_TRANSPORTS = ("plenary", "asgi")  # Plenary's own protocol class; uvicorn's, plain ASGI


class SettingsError(ValueError):
    """The environment asks for something the server cannot run with."""


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    secret: str = DEMO_SECRET
    admin_key: str = DEMO_ADMIN_KEY
    redis_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = False
    agenda_dir: Path = ROOT / "config" / "agendas"
    client_dir: Path = ROOT / "client"
    token_ttl_s: int = 3 * 24 * 3600
    hello_timeout_s: float = 10.0
    max_frame_bytes: int = 64 * 1024
    ping_interval_s: float = 20.0
    ping_timeout_s: float = 20.0
    send_queue_limit: int = 2000
    flush_interval_s: float = 0.05
    history_size: int = 1000
    presence_interval_s: float = 1.0
    presence_ttl_s: float = 30.0
    coalesce_interval_s: float = 0.25
    ask_limit_per_min: int = 5
    vote_limit_per_min: int = 120
    command_limit_per_s: int = 30
    ice_servers: tuple[str, ...] = ()
    turn_secret: str | None = None
    turn_ttl_s: int = 3600
    media_idle_timeout_s: float = 30.0
    # -- the WebSocket transport and per-user budgets (issue 10) --
    ws_transport: str = "plenary"
    event_loop: str = "asyncio"
    connections_per_user: int = 10
    joins_per_user_per_min: int = 30
    snapshot_cache: bool = True
    # -- media across processes (issue 11) --
    media_address: str = ""
    media_max_viewers: int = 0
    # -- durability and failover (issue 13) --
    data_dir: Path = ROOT / "data"
    data_sync: str = "full"
    redis_accept_data_loss: bool = False
    # -- the organiser's day (issue 16): links, external tokens, webhooks ---------------------
    public_url: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str = "plenary"
    jwt_role_claim: str = "role"
    jwt_event_claim: str = "event"
    jwt_roles: tuple[str, ...] = ()
    jwt_organisers: tuple[str, ...] = ()
    webhook_allow_http: bool = False
    webhook_attempts: int = 6
    webhook_backoff_s: float = 2.0
    webhook_timeout_s: float = 10.0
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    # -- the stage for everyone (issue 17) --
    recordings_dir: Path | None = None  # None: <PLENARY_DATA>/recordings
    seq_check_interval_s: float = 2.0
    log_format: str = "text"
    redis_sentinels: tuple[str, ...] = ()
    redis_master: str = "plenary"
    redis_wait_replicas: int = -1
    redis_wait_timeout_ms: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the environment (os.environ by default); `overrides` win over it."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(_env_name(field.name))
            if raw is not None and raw != "":
                values[field.name] = _convert(field.name, str(field.type), raw)
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse to run a real event on the demo secrets."""
        if self.ws_transport not in WS_TRANSPORTS:
            raise SettingsError(f"PLENARY_WS_TRANSPORT must be one of {', '.join(WS_TRANSPORTS)}")
        if self.log_format not in ("text", "json"):
            raise SettingsError("PLENARY_LOG_FORMAT must be text or json.")
        if self.data_sync not in ("full", "normal"):
            raise SettingsError("PLENARY_DATA_SYNC must be full or normal.")
        if self.demo:
            return
        if self.secret == DEMO_SECRET or len(self.secret) < 16:
            raise SettingsError(
                "PLENARY_SECRET is missing, is the demo default, or is shorter than 16 "
                "characters: set a long random value (or run with PLENARY_DEMO=1)."
            )
        if self.admin_key == DEMO_ADMIN_KEY:
            raise SettingsError("PLENARY_ADMIN_KEY is missing or the demo default: set one.")

    @property
    def recordings_path(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"

    @property
    def origin_allowlist(self) -> frozenset[str]:
        return frozenset(o.rstrip("/").lower() for o in self.allowed_origins)


# Names that do not follow the PLENARY_ prefix, as PROTOCOL.md fixes them.
_PLAIN_NAMES = {"redis_url": "REDIS_URL", "host": "HOST", "port": "PORT",
                "data_dir": "PLENARY_DATA"}


def _env_name(field: str) -> str:
    return _PLAIN_NAMES.get(field, "PLENARY_" + field.upper())


def _convert(name: str, type_name: str, raw: str) -> Any:
    try:
        if "tuple" in type_name:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if "bool" in type_name:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if "Path" in type_name:
            return Path(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{_env_name(name)}={raw!r} is not a valid {type_name}") from exc
    return raw
