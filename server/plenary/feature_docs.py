"""Small documents and field maps for a feature store of its own (the webhooks, the room
screen): the `Documents` interface over tables of the embedded backend named for the
feature, or over Redis, whichever backend runs (`StoreKind`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .backends.base import Documents, StoreKind
from .backends.memory import MemoryDocuments
from .backends.redis import RedisDocuments

S = TypeVar("S")


def docs_store(prefix: str, build: Callable[[Documents], S]) -> StoreKind[S]:
    """The store `build(docs)` on either backend; `prefix` names its embedded tables (on
    Redis, the document names themselves keep features apart)."""
    return StoreKind(lambda tables: build(MemoryDocuments(tables, f"{prefix}_")),
                     lambda client: build(RedisDocuments(client)))
