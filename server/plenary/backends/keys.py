"""The one Redis key scheme: `plenary:<space>:{<event>}:<parts…>`.

The event is the key's hash tag, so every key of an event lands in one Redis Cluster slot:
a Lua script or a MULTI over several keys of one event is valid there, and sharded pub/sub
channels of the event live on the shard that holds its data. A feature makes one
`KeySpace` and builds every key with it; no key string is spelled anywhere else.

    POLL = KeySpace("poll")
    POLL(event, poll_id, "voters")  # -> "plenary:poll:{<event>}:<poll_id>:voters"

Keys that belong to no event (the timers of every event) use `GLOBAL` as their event.
"""

from __future__ import annotations

GLOBAL = "-"


class KeySpace:
    def __init__(self, name: str) -> None:
        if not name or any(c in name for c in ":{}"):
            raise ValueError(f"a key space is one plain word, not {name!r}")
        self.name = name

    def __call__(self, event: str, *parts: str) -> str:
        if "{" in event or "}" in event:
            raise ValueError(f"an event id cannot be a hash tag's edge: {event!r}")
        return ":".join((f"plenary:{self.name}:{{{event}}}", *parts))

    def prefix(self, event: str) -> str:
        """What every key of the event in this space starts with."""
        return self(event, "")

    def event_of(self, key: str) -> tuple[str, str]:
        """(event, the rest) of a key this space built: the inverse of calling it."""
        head = f"plenary:{self.name}:{{"
        if not key.startswith(head):
            raise ValueError(f"{key!r} is not a key of {self.name}")
        event, _, rest = key[len(head):].partition("}:")
        return event, rest

    def __repr__(self) -> str:
        return f"KeySpace({self.name!r})"
