"""The embedded backend's state: tables of rows kept in memory and, unless the backend is
memory-only, written through to one SQLite file (WAL) that a restart reads back.

An embedded store changes its rows without awaiting in between (so each of its methods
stays atomic on the event loop) and then awaits `Tables.durable()`: every row written in
the current turn of the loop goes into one transaction, committed once for all the callers
of that turn (group commit), and they resume only after the commit returned. A reply sent
after a store call is therefore sent after what the call wrote is on disk.

Rows are whole values (a question, a poll's counters, one voter): a store that changes a
value puts it again. Indexes a store can derive from its rows (a session's question ids)
are rebuilt from them when the store is opened, and never stored.
"""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Generic, Literal, TypeVar

import msgspec

V = TypeVar("V")
RowKey = tuple[str, ...]
Sync = Literal["full", "normal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
  tbl TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (tbl, key)
) WITHOUT ROWID
"""


class Database:
    """One SQLite file in WAL mode. `sync="full"` survives a power cut (one fsync per group
    commit); `"normal"` survives a crash of the process but may lose the last commits of a
    power cut."""

    def __init__(self, path: Path, sync: Sync = "full") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = _lock(path.with_name(path.name + ".lock"))
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={sync.upper()}")
        self._conn.execute(_SCHEMA)
        self._pending: asyncio.Future[None] | None = None
        self.commits = 0

    def rows(self, table: str) -> Iterator[tuple[str, bytes]]:
        yield from self._conn.execute("SELECT key, value FROM rows WHERE tbl = ?", (table,))

    def write(self, table: str, key: str, value: bytes | None) -> None:
        """Write (or delete, with None) one row in the open transaction; commit soon."""
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")
        if value is None:
            self._conn.execute("DELETE FROM rows WHERE tbl = ? AND key = ?", (table, key))
        else:
            self._conn.execute("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                               (table, key, value))
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.create_future()
            loop.call_soon(self._commit)

    def _commit(self) -> None:
        pending, self._pending = self._pending, None
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:  # a full disk: nobody who waited is acknowledged
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if pending is not None:
                pending.set_exception(exc)
            return
        self.commits += 1
        if pending is not None:
            pending.set_result(None)

    async def durable(self) -> None:
        if self._pending is not None:
            await asyncio.shield(self._pending)

    def close(self) -> None:
        if self._pending is not None:
            self._commit()
        self._conn.close()
        self._lock.close()


class DataInUse(RuntimeError):
    """Another process runs on this PLENARY_DATA."""


def _lock(path: Path) -> IO[bytes]:
    """One process per data folder: the embedded backend's state lives in that process, so a
    second one (uvicorn --workers, two servers) would serve other state. Use Redis for more."""
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataInUse(f"{path.parent} is in use by another Plenary process: the embedded "
                        "backend runs in one process (set REDIS_URL for more).") from None
    return handle


_key_encoder = msgspec.json.Encoder()


class Table(Generic[V]):
    """A dict of rows (keys are tuples of strings) of one value type."""

    def __init__(self, db: Database | None, name: str, type_: type[V]) -> None:
        self._db = db
        self._name = name
        self._encoder = msgspec.json.Encoder()
        self._rows: dict[RowKey, V] = {}
        if db is not None:
            decoder = msgspec.json.Decoder(type_)
            for key, value in db.rows(name):
                self._rows[tuple(msgspec.json.decode(key))] = decoder.decode(value)

    def get(self, key: RowKey) -> V | None:
        return self._rows.get(key)

    def __getitem__(self, key: RowKey) -> V:
        return self._rows[key]

    def __contains__(self, key: RowKey) -> bool:
        return key in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> Iterator[tuple[RowKey, V]]:
        return iter(list(self._rows.items()))

    def put(self, key: RowKey, value: V) -> None:
        self._rows[key] = value
        if self._db is not None:
            self._db.write(self._name, _key_encoder.encode(key).decode(),
                           self._encoder.encode(value))

    def pop(self, key: RowKey) -> V | None:
        value = self._rows.pop(key, None)
        if value is not None and self._db is not None:
            self._db.write(self._name, _key_encoder.encode(key).decode(), None)
        return value


class Tables:
    """What the embedded backend hands each store it opens: its tables and `durable()`."""

    def __init__(self, db: Database | None = None) -> None:
        self.db = db

    @property
    def persistent(self) -> bool:
        return self.db is not None

    def table(self, name: str, type_: type[V]) -> Table[V]:
        return Table(self.db, name, type_)

    async def durable(self) -> None:
        """Return once every row written so far is committed (nothing to do in memory)."""
        if self.db is not None:
            await self.db.durable()
