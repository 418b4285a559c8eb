"""Log lines carry the connection, user and command bound by the gateway."""

from __future__ import annotations

import json
import logging

from plenary import logs


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("plenary.gateway", logging.INFO, __file__, 1, message, (), None)
    logs.Context().filter(record)
    return record


def test_text_and_json_lines_name_what_they_are_about() -> None:
    conn, user, command = logs.conn_id.set("n1-7"), logs.user_id.set("u-ana"), \
        logs.command.set("qa.ask")
    try:
        text = logging.Formatter(logs.TEXT).format(_record("asked"))
        line = json.loads(logs.JSONLines().format(_record("asked")))
    finally:
        logs.conn_id.reset(conn)
        logs.user_id.reset(user)
        logs.command.reset(command)
    assert "plenary.gateway [conn=n1-7 user=u-ana command=qa.ask]: asked" in text
    assert line["conn"] == "n1-7" and line["user"] == "u-ana" and line["command"] == "qa.ask"
    assert line["message"] == "asked" and line["level"] == "INFO"
    bare = json.loads(logs.JSONLines().format(_record("no context")))
    assert "conn" not in bare and "user" not in bare
