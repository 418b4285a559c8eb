"""Logs an operator can use: each line says which connection, user and command it is about.

`PLENARY_LOG_FORMAT=json` writes JSON lines (`{"time", "level", "logger", "message", "conn",
"user", "command"}`, plus `error` with the traceback); the default is readable text. The
gateway binds the connection, user and command in context variables, so every line logged
while a command runs (and in tasks it starts) carries them. Nothing logs a token or a
message body: lines name ids and types only. Plenary's own INFO lines are shown.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

conn_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("conn", default=None)
user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user", default=None)
command: contextvars.ContextVar[str | None] = contextvars.ContextVar("command", default=None)

FIELDS = {"conn": conn_id, "user": user_id, "command": command}
TEXT = "%(asctime)s %(levelname)s %(name)s%(where)s: %(message)s"


class Context(logging.Filter):
    """Puts the bound connection, user and command on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = {name: var.get() for name, var in FIELDS.items()}
        for name, value in bound.items():
            setattr(record, name, value)
        shown = " ".join(f"{k}={v}" for k, v in bound.items() if v is not None)
        record.where = f" [{shown}]" if shown else ""
        return True


class JSONLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(fmt: str) -> None:
    """Plenary's loggers (and uvicorn's, so one stream reads alike) in the chosen format;
    left alone where the host process already set up logging (a test runner)."""
    if logging.getLogger().handlers:
        logging.getLogger("plenary").setLevel(logging.INFO)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Context())
    handler.setFormatter(JSONLines() if fmt == "json" else logging.Formatter(TEXT))
    plenary = logging.getLogger("plenary")
    plenary.handlers = [handler]
    plenary.setLevel(logging.INFO)
    plenary.propagate = False
    if fmt == "json":
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            logger.handlers = [handler]
            logger.propagate = False
