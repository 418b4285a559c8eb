"""Breakout rooms: create, assign, open, move, chat, broadcast, timer, report-back, close.

All state lives in the feature's store (memory or Redis), so any process serves any member
and the timer (the backend's scheduler) closes rooms even if the opener's process died.
Moves reach people on their own topic `user:<id>`, which is resumable: someone who was
disconnected at a move or a close hears it when they come back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import msgspec

from ... import topics
from ...agenda import EventDef, SessionDef
from ...auth import User
from ...backends.base import topic_key
from ...coalescer import Coalescer
from ...connection import Connection
from ...errors import bad_request, conflict, forbidden, not_found
from ...feature import Command, Context, Feature, Host, Limit
from ...messages import Role, clean_text
from . import commands as c
from . import rules
from .rooms import LocalRooms, recent_messages, rooms_of
from .rules import Breakout
from .store import STORE, BreakoutStore, Report

SAY_MAX = 1000
BROADCAST_MAX = 1000
REPORT_MAX = 4000
HISTORY_MAX = 50  # room messages a `room.join` reply carries
JOB = "breakout"


def job_id(event: str, breakout_id: str, what: str) -> str:
    return f"{JOB}:{event}:{breakout_id}:{what}"


class BreakoutsFeature(Feature):
    name = "breakouts"
    snapshot_keys: ClassVar = {"breakout": None}
    events = ("breakout.state", "breakout.moved", "breakout.closing", "breakout.message",
              "breakout.report", "breakout.reports", "room.presence", "room.message",
              "room.closed")

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.store: BreakoutStore = host.open_store(STORE)
        self.rooms = LocalRooms(host)
        # Seats change one by one (self-select, latecomers): one count update per interval.
        self._counts: Coalescer[tuple[str, str]] = Coalescer(
            host.settings.coalesce_interval_s, self._flush_counts, host.clock)

    def commands(self) -> list[Command]:
        mod = Role.moderator
        return [
            Command("breakout.create", c.Create, self.create, role=mod),
            Command("breakout.assign", c.Assign_, self.assign, role=mod),
            Command("breakout.open", c.Which, self.open, role=mod),
            Command("breakout.extend", c.Extend, self.extend, role=mod),
            Command("breakout.broadcast", c.Broadcast, self.broadcast, role=mod),
            Command("breakout.close", c.Which, self.close, role=mod),
            Command("breakout.people", c.Which, self.people, role=mod),
            Command("breakout.join", c.InRoom, self.join),
            Command("breakout.leave", c.InRoom, self.leave),
            Command("breakout.report", c.Say, self.report_back,
                    limit=Limit("breakout-report", 30, 60)),
            Command("room.join", c.InRoom, self.room_join),
            Command("room.leave", c.InRoom, self.room_leave),
            Command("room.say", c.Say, self.room_say, limit=Limit("say", 30, 60)),
        ]

    def _now(self) -> float:
        return self.host.clock.time()

    # -- lookups (each raises before anything is written) ----------------------------------
    async def _breakout(self, event: str, breakout_id: str) -> Breakout:
        b = await self.store.get(event, breakout_id)
        if b is None:
            raise not_found(f"Breakout `{breakout_id}`")
        return b

    async def _room(self, event: str, room_id: str) -> tuple[Breakout, rules.Room]:
        b = await self.store.by_room(event, room_id)
        room = b.room(room_id) if b is not None else None
        if b is None or room is None:
            raise not_found(f"Room `{room_id}`")
        return b, room

    async def _in_room(self, ctx: Context, room_id: str, *, visit: bool = True
                       ) -> tuple[Breakout, rules.Room, dict[str, str]]:
        """The open room `room_id`, which the user is a member of (or may visit)."""
        b, room = await self._room(ctx.event_id, room_id)
        where = await self.store.members(ctx.event_id, b.id)
        member = where.get(ctx.user.id) == room_id
        if not member and not (visit and ctx.user.can(Role.moderator)):
            raise forbidden(f"You are not a member of room `{room_id}`.")
        rules.rooms_open(b)
        return b, room, where

    async def _names(self, event: str, users: Iterable[str] | None = None) -> dict[str, str]:
        return {u: p.name for u, p in (await self.store.people(event, users)).items()}

    async def _staff_view(self, b: Breakout) -> rules.BreakoutView:
        """What moderators see: members by name and, to place by hand, who is present."""
        where = await self.store.members(b.event, b.id)
        shown = rules.view(b, where, await self._names(b.event, where))
        return msgspec.structs.replace(shown, people=await self._people(b, where))

    async def _people(self, b: Breakout, where: Mapping[str, str]) -> list[rules.PresentView]:
        present = await self._present(b)
        names = await self._names(b.event, present)
        return rules.people_view(present, names, where if b.state != "closed" else {})

    # -- publishing ------------------------------------------------------------------------
    async def _publish(self, event: str, topic: str, kind: str, data: Any) -> None:
        await self.host.publish(event, topic, kind, data)

    async def _state(self, b: Breakout, where: Mapping[str, str] | None = None) -> None:
        if where is None:
            where = await self.store.members(b.event, b.id)
        await self._publish(b.event, topics.session(b.session), "breakout.state",
                            {"breakout": rules.view(b, where)})

    async def _moved(self, b: Breakout, users: Iterable[str], room_id: str | None) -> None:
        data = {"breakout": b.id, "room": rules.room_ref(b, room_id),
                "ends_at": rules.ms(b.ends_at) if room_id else None}
        await asyncio.gather(*[self._publish(b.event, topics.user(u), "breakout.moved", data)
                               for u in users])

    async def _moved_each(self, b: Breakout, where: Mapping[str, str]) -> None:
        by_room: dict[str, list[str]] = {}
        for user, room_id in where.items():
            by_room.setdefault(room_id, []).append(user)
        for room_id, users in by_room.items():
            await self._moved(b, users, room_id)

    async def _settle(self, b: Breakout, users: list[str]) -> None:
        """A close may have slipped in between a seat and its `breakout.moved`: then the
        close's own `room: null` may have gone out first, so send it again, last."""
        now = await self.store.get(b.event, b.id)
        if now is not None and now.state == "closed" and users:
            await self._moved(now, users, None)

    async def _flush_counts(self, keys: set[tuple[str, str]]) -> None:
        for event, breakout_id in keys:
            b = await self.store.get(event, breakout_id)
            if b is not None:
                await self._state(b)

    async def _presence(self, b: Breakout, room_id: str,
                        where: Mapping[str, str] | None = None) -> None:
        """The room's people: its members (online or not) and visitors; a full object."""
        if where is None:
            where = await self.store.members(b.event, b.id)
        await self._publish(b.event, topics.room(room_id), "room.presence",
                            await self._room_people(b, room_id, where))

    async def _room_people(self, b: Breakout, room_id: str,
                           where: Mapping[str, str]) -> dict[str, Any]:
        online = await self.rooms.online(b.event, room_id)
        members = sorted(u for u, r in where.items() if r == room_id)
        names = await self._names(b.event, {*members, *online})
        return {"room": room_id,
                "members": [{"id": u, "name": names.get(u, u), "online": u in online}
                            for u in members],
                "visitors": [{"id": u, "name": names.get(u, u)}
                             for u in sorted(online) if u not in members]}

    async def _after_move(self, b: Breakout, user: str, previous: str | None,
                          room_id: str | None) -> None:
        """Tell the person, the session (counts, coalesced) and both rooms (presence)."""
        await self._moved(b, [user], room_id)
        if room_id is not None:
            await self._settle(b, [user])
        self._counts.mark((b.event, b.id))
        where = await self.store.members(b.event, b.id)
        for changed in {previous, room_id} - {None}:
            assert changed is not None
            await self._presence(b, changed, where)

    # -- breakout.create / assign / open ---------------------------------------------------
    async def create(self, ctx: Context, data: c.Create) -> dict[str, Any]:
        session = await self.host.events.session(ctx.event_id, data.session)
        names = await self._create_names(ctx, data)
        if data.assign == "self" and data.mix != "mixed":
            raise bad_request("data.mix: only auto assignment mixes or separates people.")
        b = rules.new_breakout(ctx.event_id, session.id, names, data.assign, now=self._now(),
                               capacity=data.capacity, duration_s=data.duration_s,
                               mix=data.mix, reuse=data.reuse)
        if not await self.store.create(b):
            raise conflict(f"Session `{session.id}` already has a breakout that is not closed.")
        await self._state(b, {})
        return {"breakout": await self._staff_view(b)}

    async def _create_names(self, ctx: Context, data: c.Create) -> list[str]:
        if data.reuse is None:
            if data.rooms is None:
                raise bad_request("data.rooms: give a number of rooms or their names.")
            return rules.room_names(data.rooms)
        if data.rooms is not None:
            raise bad_request("data.rooms: a round that reuses another takes its rooms.")
        if data.assign != "auto":
            raise bad_request("data.assign: a round that reuses groups is `auto`.")
        previous = await self._breakout(ctx.event_id, data.reuse)
        if previous.session != data.session:
            raise bad_request(f"data.reuse: breakout `{data.reuse}` is of another session.")
        return rules.reuse_of(previous)

    async def assign(self, ctx: Context, data: c.Assign_) -> dict[str, Any]:
        b = await self._breakout(ctx.event_id, data.breakout)
        if data.room is not None and b.room(data.room) is None:
            raise not_found(f"Room `{data.room}` of breakout `{b.id}`")
        if not await self.store.people(ctx.event_id, [data.user]):
            raise not_found(f"User `{data.user}` (nobody by that id has joined this event)")
        rules.assignable(b)
        placed = await self.store.place(ctx.event_id, b.id, data.user, "assign", data.room)
        if placed.status != "ok":
            raise conflict(f"Breakout `{b.id}` is closed.")
        b = await self._breakout(ctx.event_id, b.id)
        if b.state == "open" and placed.previous != placed.room:
            await self._after_move(b, data.user, placed.previous, placed.room)
        else:
            self._counts.mark((b.event, b.id))
        return {"breakout": await self._staff_view(b)}

    async def open(self, ctx: Context, data: c.Which) -> dict[str, Any]:
        b = await self._breakout(ctx.event_id, data.breakout)
        now = self._now()
        where, rooms = await self._seating(b)
        new = rules.opened(b, now, rooms)
        if not await self.store.replace(b, new, where if b.assign == "auto" else None):
            raise conflict(f"Breakout `{b.id}` changed meanwhile: try again.")
        where = await self.store.members(new.event, new.id)
        await self._state(new, where)
        await self._moved_each(new, where)
        await self._settle(new, list(where))
        await self._schedule(new, now)  # after the moves: a warning comes after the news
        return {"breakout": await self._staff_view(new)}

    async def _seating(self, b: Breakout) -> tuple[dict[str, str] | None, list[rules.Room]]:
        """Auto rounds seat the session's present attendees and speakers now."""
        if b.assign != "auto":
            return None, b.rooms
        present = await self._present(b)
        if b.reuse is not None:
            previous = await self._breakout(b.event, b.reuse)
            before = await self.store.members(b.event, previous.id)
            return rules.reuse_groups(previous, before, b.rooms, present, b.capacity), b.rooms
        return rules.spread(present, b.rooms, mix=b.mix, capacity=b.capacity, seed=b.id)

    async def _present(self, b: Breakout) -> dict[str, str]:
        key = topic_key(b.event, topics.session(b.session))
        online: dict[str, str] = await self.host.presence.members(key)
        people = await self.store.people(b.event, online)
        return {u: mode for u, mode in online.items()
                if u in people and people[u].role != Role.moderator.name}

    # -- the timer -------------------------------------------------------------------------
    async def _schedule(self, b: Breakout, now: float) -> None:
        if b.ends_at is None:
            return
        scheduler = self.host.scheduler
        payload = {"event": b.event, "breakout": b.id}
        await scheduler.schedule(job_id(b.event, b.id, "close"), b.ends_at, payload)
        closing = job_id(b.event, b.id, "closing")
        if rules.warn_now(b.ends_at, now):
            await scheduler.cancel(closing)
            await self._closing(b)
        else:
            await scheduler.schedule(closing, rules.closing_at(b.ends_at), payload)

    async def _closing(self, b: Breakout) -> None:
        await self._publish(b.event, topics.session(b.session), "breakout.closing",
                            {"breakout": b.id, "ends_at": rules.ms(b.ends_at)})

    async def on_job(self, job: str, payload: dict[str, Any]) -> None:
        try:
            await self._run_job(job, payload)
        except Exception:  # a timer must not be lost to a hiccup: try again shortly
            await self.host.scheduler.schedule(job, self._now() + 2, payload)
            raise

    async def _run_job(self, job: str, payload: dict[str, Any]) -> None:
        b = await self.store.get(str(payload["event"]), str(payload["breakout"]))
        due = rules.timer_due(b, "closing" if job.endswith(":closing") else "close",
                              self._now())
        if b is not None and due == "closing":
            await self._closing(b)
        elif b is not None and due == "close":
            await self._close(b)

    async def extend(self, ctx: Context, data: c.Extend) -> dict[str, Any]:
        if (data.minutes is None) == (data.seconds is None):
            raise bad_request("data: give either `minutes` or `seconds`.")
        b = await self._breakout(ctx.event_id, data.breakout)
        now = self._now()
        new = rules.extended(b, data.seconds or 60 * (data.minutes or 0), now)
        if not await self.store.replace(b, new):
            raise conflict(f"Breakout `{b.id}` changed meanwhile: try again.")
        await self._state(new)
        await self._schedule(new, now)
        return {"breakout": await self._staff_view(new)}

    async def people(self, ctx: Context, data: c.Which) -> dict[str, Any]:
        b = await self._breakout(ctx.event_id, data.breakout)
        where = await self.store.members(b.event, b.id)
        return {"breakout": b.id, "people": await self._people(b, where)}

    # -- closing ---------------------------------------------------------------------------
    async def close(self, ctx: Context, data: c.Which) -> dict[str, Any]:
        b = await self._breakout(ctx.event_id, data.breakout)
        if not await self._close(b):
            raise conflict(f"Breakout `{b.id}` changed meanwhile: try again.")
        closed = await self._breakout(ctx.event_id, b.id)
        return {"breakout": await self._staff_view(closed)}

    async def _close(self, b: Breakout) -> bool:
        """Close once (compare-and-set: a moderator and the timer cannot both), then send
        everyone back to the main session."""
        new = rules.closed(b, self._now())
        if not await self.store.replace(b, new):
            return False
        for what in ("closing", "close"):
            await self.host.scheduler.cancel(job_id(b.event, b.id, what))
        where = await self.store.members(b.event, b.id)
        await self._state(new, where)
        if new.opened_at is not None:
            await self._moved(new, list(where), None)
        for room in new.rooms:
            await self._publish(b.event, topics.room(room.id), "room.closed",
                                {"room": room.id, "breakout": b.id})
        return True

    # -- self-select -----------------------------------------------------------------------
    async def join(self, ctx: Context, data: c.InRoom) -> dict[str, Any]:
        b, room = await self._room(ctx.event_id, data.room)
        await self._self_select(ctx, b)
        placed = await self.store.place(ctx.event_id, b.id, ctx.user.id, "join", room.id,
                                        b.capacity)
        if placed.status == "full":
            raise conflict(f"Room `{room.name}` is full ({b.capacity} people).")
        if placed.status != "ok":
            raise conflict(f"Breakout `{b.id}` is not open.")
        if placed.previous != room.id:
            await self._after_move(b, ctx.user.id, placed.previous, room.id)
        return {"room": rules.room_ref(b, room.id), "ends_at": rules.ms(b.ends_at)}

    async def leave(self, ctx: Context, data: c.InRoom) -> dict[str, Any]:
        b, room = await self._room(ctx.event_id, data.room)
        await self._self_select(ctx, b)
        where = await self.store.members(ctx.event_id, b.id)
        if where.get(ctx.user.id) != room.id:
            raise bad_request(f"data.room: you are not in room `{room.id}`.")
        placed = await self.store.place(ctx.event_id, b.id, ctx.user.id, "join", None)
        if placed.status != "ok":
            raise conflict(f"Breakout `{b.id}` is not open.")
        await self.rooms.leave(ctx.conn, room.id)
        await self._after_move(b, ctx.user.id, placed.previous, None)
        return {"room": None}

    async def _self_select(self, ctx: Context, b: Breakout) -> None:
        rules.self_selecting(b)
        await ctx.require_joined(b.session)

    # -- in a room -------------------------------------------------------------------------
    async def room_join(self, ctx: Context, data: c.InRoom) -> dict[str, Any]:
        b, room, where = await self._in_room(ctx, data.room)
        await ctx.require_joined(b.session)  # leaving the session leaves its rooms
        topic = topics.room(room.id)
        at = await self.rooms.enter(ctx.conn, room.id)
        key = self.rooms.key(ctx.event_id, room.id)
        ctx.after_reply(lambda: self.host.hub.start(ctx.conn, key, at.seq))
        people = await self._room_people(b, room.id, where)
        reports = await self.store.reports(ctx.event_id, b.id)
        messages = await recent_messages(self.host.broker, key, at, HISTORY_MAX,
                                         self.host.settings.history_size)
        await self._publish(b.event, topic, "room.presence", people)
        return {"room": {"id": room.id, "name": room.name, "breakout": b.id,
                         "ends_at": rules.ms(b.ends_at)},
                "members": people["members"], "visitors": people["visitors"],
                "report": _report_view(reports.get(room.id)), "messages": messages,
                "topics": {topic: at.seq}, "epochs": {topic: at.epoch}}

    async def room_leave(self, ctx: Context, data: c.InRoom) -> dict[str, Any]:
        b, room = await self._room(ctx.event_id, data.room)
        if not await self.rooms.leave(ctx.conn, room.id):
            raise bad_request(f"data.room: this connection is not in room `{room.id}`.")
        if b.state == "open":
            await self._presence(b, room.id)
        return {}

    async def room_say(self, ctx: Context, data: c.Say) -> dict[str, Any]:
        b, room, _ = await self._in_room(ctx, data.room)
        text = clean_text(data.text, "text", high=SAY_MAX)
        message = {"id": rules.new_id("m"), "user": {"id": ctx.user.id, "name": ctx.user.name},
                   "text": text, "at": rules.ms(self._now())}
        await self._publish(b.event, topics.room(room.id), "room.message",
                            {"room": room.id, "message": message})
        return {"message": message}

    async def broadcast(self, ctx: Context, data: c.Broadcast) -> dict[str, Any]:
        b = await self._breakout(ctx.event_id, data.breakout)
        text = clean_text(data.text, "text", high=BROADCAST_MAX)
        rules.broadcastable(b)
        # One id for the message in every room, so a room's history and live copy merge.
        message = {"id": rules.new_id("b"), "breakout": b.id, "text": text,
                   "at": rules.ms(self._now()), "from": {"id": ctx.user.id, "name": ctx.user.name}}
        await asyncio.gather(*[self._publish(b.event, topics.room(r.id), "breakout.message",
                                             {**message, "room": r.id}) for r in b.rooms])
        return {"rooms": len(b.rooms)}

    async def report_back(self, ctx: Context, data: c.Say) -> dict[str, Any]:
        b, room, _ = await self._in_room(ctx, data.room)
        text = clean_text(data.text, "text", high=REPORT_MAX)
        report = Report(text, ctx.user.id, ctx.user.name, self._now())
        if not await self.store.set_report(ctx.event_id, b.id, room.id, report):
            raise conflict(f"Breakout `{b.id}` is closed: its reports are final.")
        shown = _report_view(report)
        await self._publish(b.event, topics.room(room.id), "breakout.report",
                            {"room": room.id, "report": shown})
        reports = await self.store.reports(ctx.event_id, b.id)
        await self._publish(b.event, topics.staff(b.session), "breakout.reports",
                            {"breakout": b.id, "reports": _reports_view(b, reports)})
        return {"report": shown}

    # -- the session's snapshot, presence hooks, resumes -----------------------------------
    async def snapshot(self, ctx: Context, session: SessionDef) -> dict[str, Any]:
        async def read() -> tuple[Breakout, dict[str, Report]] | None:
            b = await self.store.current(ctx.event_id, session.id)
            return None if b is None else (b, await self.store.reports(b.event, b.id))

        current = await self.host.snapshots.shared("breakouts", read)
        if current is None:
            return {"breakout": None}
        b, reports = current
        # Read for each joiner: `joined` may just have placed this one (told on their topic).
        where = await self.store.members(b.event, b.id)
        moderator = ctx.user.can(Role.moderator)
        shown = await self._staff_view(b) if moderator else rules.view(b, where)
        mine = where.get(ctx.user.id) if b.state == "open" else None
        # Staff hear every report on their topic; a member sees their own room's, to edit it.
        if not ctx.user.is_staff:
            reports = {r: v for r, v in reports.items() if r == mine}
        return {"breakout": msgspec.structs.replace(shown, my_room=rules.room_ref(b, mine),
                                                    reports=_reports_view(b, reports))}

    async def joined(self, ctx: Context, session: SessionDef) -> None:
        await self.store.remember(ctx.event_id, ctx.user.id, ctx.user.name, ctx.user.role.name)
        for room_id in self.rooms.resumed(ctx.conn):
            await self.rooms.adopt(ctx.conn, room_id)
        b = await self.store.current(ctx.event_id, session.id)
        if b is None or b.state != "open" or b.assign != "auto" or \
                ctx.user.can(Role.moderator):
            return
        placed = await self.store.place(ctx.event_id, b.id, ctx.user.id, "smallest", None,
                                        b.capacity, rules.candidates(b, ctx.conn.mode))
        if placed.status == "ok":  # a latecomer: into the emptiest room of their half
            await self._after_move(b, ctx.user.id, None, placed.room)

    async def left(self, conn: Connection, session_id: str) -> None:
        for room_id in list(rooms_of(conn)):
            await self.rooms.leave(conn, room_id)
            b = await self.store.by_room(conn.event, room_id)
            if b is not None and b.state == "open":
                await self._presence(b, room_id)

    async def topic_allowed(self, user: User, topic: str) -> bool | None:
        kind, room_id, _ = topics.parse(topic)
        if kind != "room":
            return None
        b = await self.store.by_room(user.event, room_id)
        if b is None or b.state != "open":
            return False
        if user.can(Role.moderator):
            return True
        return (await self.store.members(user.event, b.id)).get(user.id) == room_id

    # -- the session report ----------------------------------------------------------------
    async def report(self, event: EventDef, session: SessionDef) -> dict[str, Any]:
        names = await self._names(event.id)
        rounds, rows = [], []
        for b in await self.store.in_session(event.id, session.id):
            where = await self.store.members(event.id, b.id)
            reports = await self.store.reports(event.id, b.id)
            shown = msgspec.to_builtins(rules.view(b, where, names))
            for room in shown["rooms"]:
                room["report"] = _report_view(reports.get(room["id"]))
                rows.append({"breakout": b.id, "room": room["name"],
                             "members": "; ".join(m["name"] for m in room["members"]),
                             "report": room["report"]["text"] if room["report"] else ""})
            rounds.append(shown)
        return {"breakouts": rounds, "csv": {"breakout reports": rows}}

    async def start(self) -> None:
        self.host.scheduler.handle(JOB, self.on_job)
        self.host.spawn(self.rooms.refresh_forever(), "room-presence-refresh")

    async def stop(self) -> None:
        await self._counts.stop()


def _report_view(report: Report | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {"text": report.text, "by": {"id": report.by, "name": report.by_name},
            "at": rules.ms(report.at)}


def _reports_view(b: Breakout, reports: Mapping[str, Report]) -> list[dict[str, Any]]:
    return [{"room": {"id": r.id, "name": r.name}, "report": _report_view(reports[r.id])}
            for r in b.rooms if r.id in reports]
