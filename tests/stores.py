"""Feature stores on each backend, for the contract tests: the embedded store in memory and
on SQLite, and Redis. `reopen` builds a store again from the same SQLite file, as a
restarted server would."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest

from plenary.backends.base import StoreKind
from plenary.backends.tables import Database, Tables

S = TypeVar("S")
STORE_BACKENDS = ["memory", "sqlite", "redis"]


class Stores:
    def __init__(self, request: pytest.FixtureRequest, path: Path) -> None:
        self._request = request
        self._path = path
        self._opened: list[Database] = []

    def open(self, kind: StoreKind[S], where: str) -> S:
        if where == "memory":
            return kind.embedded(Tables())
        if where == "sqlite":
            return kind.embedded(self.tables())
        client: Any = self._request.getfixturevalue("redis_client")
        return kind.redis(client)

    def tables(self) -> Tables:
        db = Database(self._path, sync="normal")
        self._opened.append(db)
        return Tables(db)

    def reopen(self, kind: StoreKind[S]) -> S:
        """The SQLite store again, from what the file holds (the old one is closed)."""
        for db in self._opened:
            db.close()
        self._opened.clear()
        return kind.embedded(self.tables())

    def close(self) -> None:
        for db in self._opened:
            db.close()
