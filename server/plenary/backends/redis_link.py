"""How the Redis backend reaches Redis: one URL, or the primary that Sentinel names.

A link makes the two kinds of client the backend needs: the shared pool for commands, and
single connections without retries for pub/sub (a lost one must surface, so the broker
resubscribes and resyncs). Through Sentinel both ask the sentinels for the current primary
on every new connection, so after a failover every process reconnects to the promoted one.
"""

from __future__ import annotations

from typing import Protocol, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff


class ReplicatedRedis(aioredis.Redis):
    """A client that knows how many replicas a write must reach before it is acknowledged
    (`WAIT`, see `replication.acknowledged`); 0: none."""

    wait_replicas: int = 0
    wait_timeout_ms: int = 1000


class Link(Protocol):
    where: str  # for logs: never a password

    def pool(self) -> ReplicatedRedis: ...

    def single(self) -> aioredis.Redis: ...


class URLLink:
    def __init__(self, url: str) -> None:
        self.url = url
        self.where = url.split("@")[-1]

    def pool(self) -> ReplicatedRedis:
        # Blocking: a burst of more than 64 concurrent commands (a vote storm) waits for a
        # free connection instead of failing with "Too many connections".
        return cast(ReplicatedRedis, ReplicatedRedis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                self.url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10,
                max_connections=64, timeout=5)))

    def single(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.url, socket_connect_timeout=2,
                                       retry=Retry(NoBackoff(), 0))


class SentinelLink:
    def __init__(self, sentinels: tuple[str, ...], master: str) -> None:
        self.master = master
        self.where = f"sentinel {master} via {','.join(sentinels)}"
        hosts = [(h, int(p)) for h, _, p in (s.rpartition(":") for s in sentinels)]
        self._sentinel = Sentinel(hosts, socket_connect_timeout=1, socket_timeout=2)

    def pool(self) -> ReplicatedRedis:
        client: ReplicatedRedis = self._sentinel.master_for(
            self.master, redis_class=ReplicatedRedis, socket_connect_timeout=2,
            socket_timeout=5, health_check_interval=10,
            retry=Retry(NoBackoff(), 0))  # a failed command is answered `unavailable`
        return client

    def single(self) -> aioredis.Redis:
        client: aioredis.Redis = self._sentinel.master_for(
            self.master, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
        return client
