"""Redis Cluster (`REDIS_URL=redis+cluster://host:port,host:port`): every key of an event is
in one hash slot (the key scheme's hash tag), and so is each topic's channel, so a publish
is one script on the shard that owns the event, with SPUBLISH: the message reaches only
that shard's subscribers. Each process keeps one pub/sub connection per shard (primary) and
SSUBSCRIBEs there to exactly the channels its clients need.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import RedisError

from .base import Position, new_epoch, topic_key
from .keys import GLOBAL
from .redis import Keys, RedisBroker
from .replies import text


class ClusterLink:
    def __init__(self, url: str) -> None:
        hosts = url.removeprefix("redis+cluster://").split("/")[0].split(",")
        self.nodes = [ClusterNode(h, int(p)) for h, _, p in (x.rpartition(":") for x in hosts)]
        self.where = f"cluster {','.join(hosts)}"

    def _cluster(self, **options: Any) -> RedisCluster:
        return RedisCluster(startup_nodes=self.nodes, socket_connect_timeout=2, **options)

    def pool(self) -> Any:
        # Per node, and not blocking as the single-node pool is: room for a vote storm.
        return self._cluster(socket_timeout=5, max_connections=1024)

    def single(self) -> Any:
        return self._cluster(retry=Retry(NoBackoff(), 0))


class ClusterBroker(RedisBroker):
    PUBLISH = "SPUBLISH"

    def __init__(self, client: Any, link: ClusterLink, history_size: int) -> None:
        super().__init__(client, link, history_size)
        self._cluster_link = link
        self._shards: dict[str, Any] = {}  # node name -> its PubSub
        self._topology: RedisCluster | None = None

    async def positions(self, keys: Iterable[str]) -> dict[str, Position]:
        keys = list(keys)  # one script per key, each on its own slot's shard
        replies = await asyncio.gather(*[
            self._position([Keys.seq(k), Keys.epoch(k)], [new_epoch()]) for k in keys])
        return {k: Position(text(epoch), int(seq))
                for k, (epoch, seq) in zip(keys, replies, strict=True)}

    async def unsubscribe(self, key: str) -> None:
        self._refs[key] -= 1
        if self._refs[key] <= 0:
            del self._refs[key]
            if self.connected.is_set():
                channel = Keys.channel(key)
                with contextlib.suppress(RedisError, OSError, KeyError):
                    await self._shards[self._node_of(channel)].sunsubscribe(channel)

    async def _send_subscribe(self, keys: list[str]) -> None:
        by_node: dict[str, list[str]] = defaultdict(list)
        futures = []
        for key in keys:
            channel = Keys.channel(key)
            future = asyncio.get_running_loop().create_future()
            self._waiting[channel].append(future)
            futures.append(future)
            by_node[self._node_of(channel)].append(channel)
        for node, channels in by_node.items():
            await self._shards[node].ssubscribe(*channels)
        await asyncio.wait_for(asyncio.gather(*futures), timeout=5)

    def _node_of(self, channel: str) -> str:
        assert self._topology is not None
        node = self._topology.nodes_manager.get_node_from_slot(key_slot(channel.encode()))
        return str(node.name)

    async def stop(self) -> None:
        await super().stop()
        await self._close_shards()

    async def _close_shards(self) -> None:
        for pubsub in self._shards.values():
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        self._shards.clear()
        if self._topology is not None:
            with contextlib.suppress(Exception):
                await self._topology.aclose()

    async def _session(self) -> None:
        """One life of the per-shard connections: open one per primary, subscribe what our
        clients need on the shard that owns it, resync, then read them all."""
        await self._close_shards()
        self._topology = self._cluster_link.single()
        await self._topology.initialize()
        readers = []
        for node in self._topology.get_primaries():
            client = aioredis.Redis(host=node.host, port=int(node.port), socket_connect_timeout=2,
                                    retry=Retry(NoBackoff(), 0))
            pubsub = self._shards[node.name] = client.pubsub()
            await pubsub.ssubscribe(self._anchor(node.name))  # opens it, on this shard
            readers.append(asyncio.create_task(self._read(pubsub), name=f"pubsub-{node.name}"))
        try:
            if self._refs:
                await self._send_subscribe(list(self._refs))
        except BaseException:
            for reader in readers:
                reader.cancel()
            raise
        self._up()
        try:
            done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
            for reader in done:
                reader.result()  # a lost shard connection: raise, reconnect all, resync
        finally:
            for reader in readers:
                reader.cancel()

    def _anchor(self, node: str) -> str:
        """A channel of no topic that lives on `node`'s shard."""
        for i in range(100_000):
            channel = Keys.channel(topic_key(f"{GLOBAL}{i}", "-"))
            if self._node_of(channel) == node:
                return channel
        raise RuntimeError(f"no slot found for {node}")
