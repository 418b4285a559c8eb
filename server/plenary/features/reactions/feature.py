"""Reactions: `reaction.send` adds one up; `reactions` tells everyone the counts, at most once
per `reaction_interval_s` per session and never one event per reaction.

Each process counts its own reactions in memory and adds them to the session's shared counter
four times per interval; whichever process claims the session's tick takes the counter (read
and reset at once) and publishes it. A reaction is thus counted exactly once, in the event of
the interval it reached the shared counter in.

A reaction costs no backend round trip: the per-person limit (`reaction_limit_per_10s`, over
all tabs, devices and processes) is kept in the same step. Each process adds up each person's
reactions and syncs them with the person's shared window count at every flush; it refuses a
reaction once the count it last learned plus its own since then reach the limit.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import msgspec

from ... import topics
from ...backends.base import topic_key
from ...errors import Code, ProtocolError
from ...feature import Command, Context, Feature, Host
from ...messages import Slug
from ...tasks import every, survive
from . import rules
from .rules import Kind
from .store import STORE, PersonKey, ReactionStore

log = logging.getLogger("plenary.reactions")

SessionKey = tuple[str, str]  # (event, session)
WINDOW_S = 10  # the per-person limit's window


class Send(msgspec.Struct, forbid_unknown_fields=True):
    session: Slug
    kind: Kind


class ReactionsFeature(Feature):
    name = "reactions"
    events = ("reactions",)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: ReactionStore = host.open_store(STORE)
        self._pending: dict[SessionKey, Counter[str]] = {}
        self._seen: dict[SessionKey, float] = {}  # sessions this process ticks for
        self._window = -1
        self._uses: Counter[PersonKey] = Counter()  # this process's, since the last sync
        self._known: dict[PersonKey, int] = {}  # every process's, at the last sync

    def commands(self) -> list[Command]:
        return [Command("reaction.send", Send, self.send, session=lambda d: d.session)]

    async def send(self, ctx: Context, data: Send) -> dict[str, Any]:
        self._check_limit((ctx.event_id, ctx.user.id))
        key = (ctx.event_id, data.session)
        self._pending.setdefault(key, Counter())[data.kind] += 1
        self._seen[key] = self.host.clock.monotonic()
        return {}

    def _check_limit(self, person: PersonKey) -> None:
        window = rules.window(self.host.clock.time(), WINDOW_S)
        if window != self._window:
            self._window, self._known = window, {}
            self._uses.clear()
        limit = self.host.settings.reaction_limit_per_10s
        if not rules.allowed(self._known.get(person, 0), self._uses[person], limit):
            raise ProtocolError(Code.rate_limited,
                                f"At most {limit} reactions per {WINDOW_S} s: try again later.")
        self._uses[person] += 1

    async def start(self) -> None:
        self.host.spawn(self._run(), "reactions-tick")

    async def _run(self) -> None:
        interval = self.host.settings.reaction_interval_s
        async for _ in every(interval / 4):
            with survive(log, "reactions tick", quiet=True):  # the next tick tries again
                await self._tick(interval)

    async def _tick(self, interval: float) -> None:
        pending, self._pending = self._pending, {}
        uses, window = dict(self._uses), self._window
        self._uses.clear()
        if pending or uses:
            known = await self.store.flush(pending, uses, window, WINDOW_S)
            if window == self._window:
                self._known.update(known)
        for key in rules.idle(self._seen, self.host.clock.monotonic(), 4 * interval):
            del self._seen[key]
        for event, session in list(self._seen):
            await self._publish(event, session, interval)

    async def _publish(self, event: str, session: str, interval: float) -> None:
        key = topic_key(event, topics.session(session))
        if not await self.host.presence.claim_tick(f"{key}|reactions", interval):
            return
        data = rules.event_data(session, await self.store.take(event, session))
        if data is not None:
            await self.host.publish(event, topics.session(session), "reactions", data)
