"""Acknowledged only once a replica has it: the writes that must survive a failover (votes,
questions) run with `WAIT` on the connection that wrote them.

`WAIT n timeout` covers the writes made on its own connection, so the script and the WAIT go
out in one pipeline (one connection). A write that no replica confirmed in time raises
`NotReplicated`: the command is answered `unavailable`, not acknowledged (it may still be
there; a retry with its idempotency key, or a fresh snapshot, tells).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError


class NotReplicated(RedisError):
    """No replica confirmed the write within the timeout."""


async def acknowledged(client: aioredis.Redis, script: AsyncScript, keys: list[Any],
                       args: list[Any]) -> Any:
    """Run a store's write script; with replicas to wait for, return only once they have it."""
    replicas = getattr(client, "wait_replicas", 0)
    if not replicas:
        return await script(keys, args)
    async with client.pipeline(transaction=False) as pipe:
        await script(keys, args, client=pipe)
        pipe.wait(replicas, getattr(client, "wait_timeout_ms", 1000))
        result, confirmed = await pipe.execute()
    if int(confirmed) < replicas and await _has_replicas(client):
        raise NotReplicated(f"{confirmed} of {replicas} replicas confirmed the write")
    return result


async def _has_replicas(client: aioredis.Redis) -> bool:
    """After a failover the promoted primary may have no replica left: then there is none
    to wait for (the setting asks for replicas "when they exist"), and writes go on."""
    info = await client.info("replication")
    return int(info.get("connected_slaves", 0)) > 0
