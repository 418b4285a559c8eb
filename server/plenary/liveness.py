"""Presence entries expire unless refreshed: each process keeps its own connections alive, so
the members of a process that died drop out by themselves."""

from __future__ import annotations

import logging

from .connection import Connection
from .feature import Host
from .tasks import every, survive

log = logging.getLogger("plenary.presence")


async def keep_present(host: Host, local: dict[str, set[Connection]], what: str) -> None:
    """Refresh this process's members of `local` (presence key -> its connections here) three
    times per TTL, until cancelled."""
    async for _ in every(host.settings.presence_ttl_s / 3, host.clock):
        entries = [(key, c.id, c.user.id, c.mode) for key, conns in local.items()
                   for c in conns if c.user is not None]
        with survive(log, what, quiet=True):
            await host.presence.refresh(entries)
