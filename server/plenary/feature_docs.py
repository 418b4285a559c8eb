"""Small documents and field maps for a feature store of its own (the webhooks, the room
screen): the `Documents` interface over tables of the embedded backend named for the
feature, or over Redis, whichever backend runs (`StoreKind`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .backends.base import Documents, StoreKind
from .backends.redis import RedisDocuments
from .backends.tables import Tables

S = TypeVar("S")


class TableDocuments:
    """`Documents` in the embedded backend's tables `<prefix>_docs` and `<prefix>_fields`
    (durable in SQLite when the backend is)."""

    def __init__(self, tables: Tables, prefix: str) -> None:
        self._tables = tables
        self._docs = tables.table(f"{prefix}_docs", bytes)
        self._fields = tables.table(f"{prefix}_fields", dict[str, str])

    async def get(self, event: str, name: str) -> bytes | None:
        return self._docs.get((event, name))

    async def put(self, event: str, name: str, value: bytes) -> None:
        self._docs.put((event, name), value)
        await self._tables.durable()

    async def fields(self, event: str, name: str) -> dict[str, str]:
        return dict(self._fields.get((event, name)) or {})

    async def set_fields(self, event: str, name: str, values: dict[str, str]) -> None:
        self._fields.put((event, name), {**(self._fields.get((event, name)) or {}), **values})
        await self._tables.durable()


def docs_store(prefix: str, build: Callable[[Documents], S]) -> StoreKind[S]:
    """The store `build(docs)` on either backend; `prefix` names its embedded tables (on
    Redis, the document names themselves keep features apart)."""
    return StoreKind(lambda tables: build(TableDocuments(tables, prefix)),
                     lambda client: build(RedisDocuments(client)))
