"""The Redis backend: any number of processes share seq, history, presence, timers and state.

Each process keeps one pub/sub connection and SUBSCRIBEs to exactly the channels its clients
need (no PSUBSCRIBE). A publish is one Lua script: the seq increment, the history append and
the PUBLISH happen together, so seq order is delivery order on every process.

Every key this module writes is spelled in `Keys`, built with the one key scheme (`keys.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..clock import Clock, SystemClock
from ..messages import decode, encode
from ..tasks import cancelling, survive
from .base import (
    Deliver,
    Position,
    Resync,
    S,
    StoreKind,
    frame_parts,
    merge_modes,
    new_epoch,
    split_key,
    topic_key,
)
from .keys import GLOBAL, KeySpace
from .polling import PollingScheduler
from .redis_link import Link, URLLink
from .replies import text

log = logging.getLogger("plenary.redis")


STREAM = KeySpace("stream")  # a topic's seq, history and channel
PRESENCE = KeySpace("presence")  # who is on a topic, and its presence tick
RATE = KeySpace("rate")
DOC = KeySpace("doc")
TIMERS = KeySpace("timers")  # every event's timers, in one slot


class Keys:
    """The backend's keys, each built from a broker key (`event|topic`) with its KeySpace."""

    @staticmethod
    def seq(key: str) -> str:
        event, topic = split_key(key)
        return STREAM(event, "seq", topic)

    @staticmethod
    def history(key: str) -> str:
        event, topic = split_key(key)
        return STREAM(event, "hist", topic)

    @staticmethod
    def epoch(key: str) -> str:
        event, topic = split_key(key)
        return STREAM(event, "epoch", topic)

    @staticmethod
    def channel(key: str) -> str:
        event, topic = split_key(key)
        return STREAM(event, "ch", topic)

    @staticmethod
    def key_of_channel(channel: str) -> str:
        event, rest = STREAM.event_of(channel)
        return topic_key(event, rest.removeprefix("ch:"))

    @staticmethod
    def presence(key: str) -> str:
        event, topic = split_key(key)
        return PRESENCE(event, "members", topic)

    @staticmethod
    def tick(key: str) -> str:
        event, topic = split_key(key)
        return PRESENCE(event, "tick", topic)

    timers = TIMERS(GLOBAL, "due")
    timer_payloads = TIMERS(GLOBAL, "payload")

    @staticmethod
    def limit(key: str, window: int) -> str:
        event, _, rest = key.partition(":")
        return RATE(event, rest, str(window))

    @staticmethod
    def doc(event: str, name: str) -> str:
        return DOC(event, "doc", name)

    @staticmethod
    def fields(event: str, name: str) -> str:
        return DOC(event, "fields", name)


# KEYS: seq, history, epoch. ARGV: channel, frame head, frame tail, history size, new epoch,
# PUBLISH (or SPUBLISH on Redis Cluster: the channel is in the event's slot, like the keys).
PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[3], ARGV[5], 'NX')
local frame = ARGV[2] .. seq .. ARGV[3]
redis.call('RPUSH', KEYS[2], frame)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call(ARGV[6], ARGV[1], seq .. '|' .. frame)
return seq
"""

# KEYS: seq, history, epoch. ARGV: after, expected epoch ('' for any).
HISTORY = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[2] then return {last, false} end
local after = tonumber(ARGV[1])
local n = redis.call('LLEN', KEYS[2])
if after > last or after < last - n then return {last, false} end
return {last, redis.call('LRANGE', KEYS[2], n - (last - after), -1)}
"""

# KEYS: seq, epoch. ARGV: a new epoch, taken if the stream has none yet.
POSITION = """
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return {redis.call('GET', KEYS[2]), tonumber(redis.call('GET', KEYS[1]) or '0')}
"""

# Distinct users, and of them those with any connection in the room, without shipping every
# member to the process each second (4000 members at a large session).
COUNT_PRESENT = r"""
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local users, online, in_room = {}, 0, 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local a = string.find(m, '\31', 1, true)
  local b = string.find(m, '\31', a + 1, true)
  local user, mode = string.sub(m, a + 1, b - 1), string.sub(m, b + 1)
  local seen = users[user]
  if seen == nil then online = online + 1 end
  if mode == 'in_room' and seen ~= 'in_room' then in_room = in_room + 1 end
  if seen ~= 'in_room' then users[user] = mode end
end
return {online, in_room}
"""

POP_DUE = """
local jobs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 50)
local out = {}
for _, job in ipairs(jobs) do
  redis.call('ZREM', KEYS[1], job)
  local payload = redis.call('HGET', KEYS[2], job)
  redis.call('HDEL', KEYS[2], job)
  table.insert(out, job)
  table.insert(out, payload or '{}')
end
return out
"""


class RedisBroker:
    PUBLISH = "PUBLISH"

    def __init__(self, client: aioredis.Redis, link: Link, history_size: int) -> None:
        self._client = client
        self._link = link
        self._size = history_size
        self._publish = client.register_script(PUBLISH)
        self._history = client.register_script(HISTORY)
        self._position = client.register_script(POSITION)
        self._refs: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, deque[asyncio.Future[None]]] = defaultdict(deque)
        self._pubsub: Any = None
        self._deliver: Deliver | None = None
        self._resync: Resync | None = None
        self._task: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._delay = 0.05
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._sessions = 0

    async def publish(self, key: str, kind: str, data: bytes) -> int:
        head, tail = frame_parts(kind, key.partition("|")[2], data)
        keys = [Keys.seq(key), Keys.history(key), Keys.epoch(key)]
        args: list[str | int] = [Keys.channel(key), head, tail, self._size, new_epoch(),
                                 self.PUBLISH]
        return int(await self._publish(keys, args))

    async def history(self, key: str, after: int,
                      epoch: str | None = None) -> list[tuple[int, str]] | None:
        keys = [Keys.seq(key), Keys.history(key), Keys.epoch(key)]
        last, frames = await self._history(keys, [after, epoch or ""])
        if frames is None:
            return None
        first = int(last) - len(frames) + 1
        return [(first + i, f.decode()) for i, f in enumerate(frames)]

    async def last_seqs(self, keys: Iterable[str]) -> dict[str, int]:
        keys = list(keys)
        if not keys:
            return {}
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.get(Keys.seq(key))  # one command per key: keys of many events, many slots
        values = await pipe.execute()
        return {k: int(v or 0) for k, v in zip(keys, values, strict=True)}

    async def positions(self, keys: Iterable[str]) -> dict[str, Position]:
        keys = list(keys)
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            await self._position([Keys.seq(key), Keys.epoch(key)], [new_epoch()], client=pipe)
        replies = await pipe.execute() if keys else []
        return {k: Position(text(epoch), int(seq))
                for k, (epoch, seq) in zip(keys, replies, strict=True)}

    async def subscribe(self, key: str) -> None:
        self._refs[key] += 1
        if self._refs[key] == 1 and self.connected.is_set():
            await self._send_subscribe([key])

    async def unsubscribe(self, key: str) -> None:
        self._refs[key] -= 1
        if self._refs[key] <= 0:
            del self._refs[key]
            if self.connected.is_set():
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(Keys.channel(key))

    def set_receiver(self, deliver: Deliver, resync: Resync) -> None:
        self._deliver = deliver
        self._resync = resync

    async def _send_subscribe(self, keys: list[str]) -> None:
        futures = []
        for key in keys:
            future = asyncio.get_running_loop().create_future()
            self._waiting[Keys.channel(key)].append(future)
            futures.append(future)
        await self._pubsub.subscribe(*[Keys.channel(k) for k in keys])
        await asyncio.wait_for(asyncio.gather(*futures), timeout=5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="redis-pubsub")

    async def stop(self) -> None:
        for task in (self._task, self._resync_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()

    async def _run(self) -> None:
        """Read the one pub/sub connection; on loss, reconnect with back-off and resync."""
        while not cancelling():
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                if cancelling():
                    raise asyncio.CancelledError from exc
                log.warning("pub/sub connection lost: %s", exc)
            self.connected.clear()
            self._fail_waiting()
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, 2.0)

    async def _session(self) -> None:
        """One pub/sub connection's life: subscribe what clients need, resync, then read."""
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        # No retries: a lost connection must surface here, so that we resync our clients.
        client = self._link.single()
        self._pubsub = client.pubsub()
        await self._pubsub.subscribe(Keys.channel(topic_key(GLOBAL, "-")))  # opens it
        reader = asyncio.create_task(self._read(), name="redis-pubsub-read")
        try:
            if self._refs:
                await self._send_subscribe(list(self._refs))
        except BaseException:
            reader.cancel()
            raise
        self._up()
        try:
            await reader
        finally:
            reader.cancel()  # when we are cancelled, nobody may go on reading the socket

    def _up(self) -> None:
        """Subscribed again: count it, and resync what our clients missed meanwhile."""
        self.connected.set()
        self._sessions += 1
        self.reconnects = self._sessions - 1
        self._delay = 0.05
        if self._resync is not None:
            self._resync_task = asyncio.create_task(self._resync())

    async def _read(self, pubsub: Any = None) -> None:
        pubsub = pubsub or self._pubsub
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None:
                continue
            kind = message["type"]
            if kind in ("message", "smessage"):
                self._on_message(message["channel"], message["data"])
            elif kind in ("subscribe", "ssubscribe"):
                waiting = self._waiting.get(message["channel"].decode())
                if waiting:
                    future = waiting.popleft()
                    if not future.done():
                        future.set_result(None)

    def _on_message(self, channel: bytes, data: bytes) -> None:
        text = data.decode()
        seq, _, frame = text.partition("|")
        key = Keys.key_of_channel(channel.decode())
        if self._deliver is not None:
            self._deliver(key, int(seq), frame)

    def _fail_waiting(self) -> None:
        for waiting in self._waiting.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(ConnectionError("Redis pub/sub connection lost"))
        self._waiting.clear()


class RedisPresence:
    def __init__(self, client: aioredis.Redis, ttl_s: float) -> None:
        self._client = client
        self._ttl = ttl_s
        self._count = client.register_script(COUNT_PRESENT)
        # (key, conn) -> its member string: a connection leaves from the process it is on,
        # so leaving is one ZREM, not a scan of everyone present.
        self._mine: dict[tuple[str, str], str] = {}

    async def enter(self, key: str, conn: str, user: str, mode: str) -> None:
        await self.refresh([(key, conn, user, mode)])

    async def leave(self, key: str, conn: str) -> None:
        member = self._mine.pop((key, conn), None)
        if member is not None:
            await self._client.zrem(Keys.presence(key), member)

    async def refresh(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        expires = time.time() + self._ttl
        pipe = self._client.pipeline(transaction=False)
        for key, conn, user, mode in entries:
            member = f"{conn}\x1f{user}\x1f{mode}"
            old = self._mine.get((key, conn))
            if old is not None and old != member:  # same connection, another mode
                pipe.zrem(Keys.presence(key), old)
            self._mine[(key, conn)] = member
            pipe.zadd(Keys.presence(key), {member: expires})
            pipe.expire(Keys.presence(key), int(self._ttl) * 4)
        await pipe.execute()

    async def members(self, key: str) -> dict[str, str]:
        name = Keys.presence(key)
        pipe = self._client.pipeline(transaction=False)
        pipe.zremrangebyscore(name, "-inf", time.time())
        pipe.zrange(name, 0, -1)
        _, members = await pipe.execute()
        pairs = (m.decode().split("\x1f")[1:3] for m in members)
        return merge_modes((user, mode) for user, mode in pairs)

    async def count(self, key: str) -> tuple[int, int]:
        online, in_room = await self._count([Keys.presence(key)], [time.time()])
        return int(online), int(in_room)

    async def claim_tick(self, key: str, interval_s: float) -> bool:
        ms = max(1, int(interval_s * 1000))
        return bool(await self._client.set(Keys.tick(key), b"1", px=ms, nx=True))


class RedisScheduler(PollingScheduler):
    def __init__(self, client: aioredis.Redis, poll_s: float = 0.1,
                 clock: Clock | None = None) -> None:
        super().__init__(poll_s, clock)
        self._client = client
        self._pop = client.register_script(POP_DUE)

    async def schedule(self, job: str, due: float, payload: dict[str, Any]) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.hset(Keys.timer_payloads, job, encode(payload))
        pipe.zadd(Keys.timers, {job: due})
        await pipe.execute()

    async def cancel(self, job: str) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.zrem(Keys.timers, job)
        pipe.hdel(Keys.timer_payloads, job)
        await pipe.execute()

    async def _take_due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        popped = []
        with survive(log, "taking due jobs", quiet=True):  # they wait in Redis meanwhile
            popped = await self._pop([Keys.timers, Keys.timer_payloads], [now])
        return [(popped[i].decode(), decode(popped[i + 1])) for i in range(0, len(popped), 2)]


class RedisLimiter:
    def __init__(self, client: aioredis.Redis, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._client = client

    async def hit(self, key: str, limit: int, window_s: int) -> bool:
        window = int(self._clock.time() // window_s)
        name = Keys.limit(key, window)
        pipe = self._client.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window_s + 1)
        count, _ = await pipe.execute()
        return int(count) <= limit


class RedisDocuments:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def get(self, event: str, name: str) -> bytes | None:
        value = await self._client.get(Keys.doc(event, name))
        return value.encode() if isinstance(value, str) else value

    async def put(self, event: str, name: str, value: bytes) -> None:
        await self._client.set(Keys.doc(event, name), value)

    async def fields(self, event: str, name: str) -> dict[str, str]:
        raw = await self._client.hgetall(Keys.fields(event, name))
        return {text(k): text(v) for k, v in raw.items()}

    async def set_fields(self, event: str, name: str, values: dict[str, str]) -> None:
        if values:
            await self._client.hset(Keys.fields(event, name),
                                    mapping=values)  # type: ignore[arg-type]


class PersistenceError(RuntimeError):
    """Redis is not configured to keep what it acknowledged."""


class RedisBackend:
    name = "redis"

    def __init__(self, url: str | Link, history_size: int = 1000, presence_ttl_s: float = 30.0,
                 clock: Clock | None = None, require_aof: bool = False,
                 wait_replicas: int = -1, wait_timeout_ms: int = 1000) -> None:
        self._require_aof = require_aof
        self._wait = wait_replicas  # -1: one replica if the primary has any (see start)
        self.link = URLLink(url) if isinstance(url, str) else url
        self.redis = self.link.pool()
        self.redis.wait_timeout_ms = wait_timeout_ms
        from .redis_cluster import ClusterBroker, ClusterLink

        if isinstance(self.link, ClusterLink):
            self._wait = 0  # WAIT is per connection and node: not through the cluster client
            self.broker: RedisBroker = ClusterBroker(self.redis, self.link, history_size)
        else:
            self.broker = RedisBroker(self.redis, self.link, history_size)
        self.presence = RedisPresence(self.redis, presence_ttl_s)
        self.scheduler = RedisScheduler(self.redis, clock=clock)
        self.limiter = RedisLimiter(self.redis, clock)
        self.docs = RedisDocuments(self.redis)

    def open_store(self, kind: StoreKind[S]) -> S:
        return kind.redis(self.redis)

    async def start(self) -> None:
        self.broker.start()
        self.scheduler.start()
        try:
            await asyncio.wait_for(self.broker.connected.wait(), timeout=10)
        except TimeoutError:
            log.error("Redis is not reachable yet; serving 503 on /readyz until it is")
            return
        await self._check_persistence()
        await self._choose_wait()

    async def _choose_wait(self) -> None:
        """Votes and questions wait for one replica when the primary has replicas (unless a
        setting says otherwise), so a failover to that replica loses none of them."""
        replicas = self._wait
        if replicas < 0:
            info = await self.redis.info("replication")
            replicas = 1 if int(info.get("connected_slaves", 0)) > 0 else 0
        self.redis.wait_replicas = replicas
        if replicas:
            log.info("votes and questions are acknowledged once %d replica(s) have them",
                     replicas)

    async def _check_persistence(self) -> None:
        """Without an append-only file a restarted Redis has lost the last writes (every
        vote since the last snapshot): refuse that unless the operator accepted it."""
        info = await self.redis.info("persistence")
        if str(info.get("aof_enabled", "0")) == "1":
            return
        message = ("Redis runs without appendonly: a restart of Redis loses acknowledged "
                   "votes and questions. Set `appendonly yes` and `appendfsync everysec` (or "
                   "always) in redis.conf, or PLENARY_REDIS_ACCEPT_DATA_LOSS=1 to run anyway.")
        if self._require_aof:
            log.error(message)
            raise PersistenceError(message)
        log.warning(message)

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.broker.stop()
        await self.redis.aclose()

    async def ready(self) -> bool:
        try:
            return bool(await self.redis.ping()) and self.broker.connected.is_set()
        except (RedisError, OSError):
            return False
