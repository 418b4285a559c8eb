"""Presence entries expire unless refreshed: each process keeps its own connections alive, so
the members of a process that died drop out by themselves."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .connection import Connection
from .tasks import every, survive

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger("plenary.presence")


async def keep_present(services: Services, local: dict[str, set[Connection]], what: str) -> None:
    """Refresh this process's members of `local` (presence key -> its connections here) three
    times per TTL, until cancelled."""
    async for _ in every(services.settings.presence_ttl_s / 3):
        entries = [(key, c.id, c.user.id, c.mode) for key, conns in local.items()
                   for c in conns if c.user is not None]
        with survive(log, what, quiet=True):
            await services.backend.presence.refresh(entries)
