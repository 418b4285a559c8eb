"""The floor for `fanout.py`: the plain `websockets.broadcast()` loop on Redis pub/sub, on uvloop.

    python tests/bench/floor.py PORT REDIS_URL PAYLOAD_BYTES

It speaks just enough of Plenary's protocol for the benchmark's clients: every command gets
`{"type":"ok","id":N}`, `session.join` adds the connection to the audience, and
`session.update` publishes an event of PAYLOAD_BYTES (Plenary's own event size) on Redis,
which every floor process broadcasts to its audience.
"""

import contextlib
import json
import sys

import redis.asyncio as aioredis
import uvloop
from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed


async def main(port: int, url: str, size: int) -> None:
    redis, audience = aioredis.from_url(url), set()
    head = '{"type":"session.updated","topic":"session:opening","seq":%d,"data":{"pad":"'

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(ConnectionClosed):  # the clients just drop their sockets
            async for text in ws:
                command = json.loads(text)
                if command["type"] == "session.join":
                    audience.add(ws)
                elif command["type"] == "session.update":
                    event = head % await redis.incr("floor:seq")
                    pad = "x" * max(0, size - len(event) - 3)
                    await redis.publish("floor", event + pad + '"}}')
                await ws.send('{"type":"ok","id":%d,"data":{}}' % command["id"])
        audience.discard(ws)

    pubsub = redis.pubsub()
    await pubsub.subscribe("floor")
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=65536,
                     ping_interval=20, ping_timeout=20):
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(audience, message["data"].decode())


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
