"""client/js/protocol.js is derived from the server's declarations, and those declarations
cover everything the server publishes: a new event, snapshot key or error code that is not
declared, or a stale generated file, fails here."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from plenary import client_protocol
from plenary.features.qa import rules as qa_rules

SERVER = Path(client_protocol.__file__).parent
KIND = re.compile(r"^[a-z]+(\.[a-z_]+)?$")


def published_kinds() -> set[str]:
    """Every literal event type handed to a publish call anywhere in the server."""
    found: set[str] = set()
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("publish", "_publish"):
                found |= {a.value for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)
                          and KIND.match(a.value)}
    statuses = [None, "pending", "visible", "answered", "dismissed"]
    found |= {kind for before, after in itertools.product(statuses, statuses)
              for _, kind in qa_rules.notices(before, after)}  # type: ignore[arg-type]
    return found


def test_the_generated_file_is_up_to_date() -> None:
    assert client_protocol.PATH.read_text() == client_protocol.render(), \
        "run: python -m plenary.client_protocol"


def test_every_published_event_is_declared() -> None:
    declared = set(client_protocol.declared()["EVENTS"])
    assert published_kinds() <= declared, published_kinds() - declared
    assert len(client_protocol.declared()["EVENTS"]) == len(declared), "declared twice"


def test_the_snapshot_keys_are_what_session_join_answers() -> None:
    keys = client_protocol.declared()["SNAPSHOT_KEYS"]
    assert len(keys) == len(set(keys)), "two features claim one snapshot key"
    assert {"session", "presence", "topics", "questions", "polls", "breakout", "media"} <= \
        set(keys)
