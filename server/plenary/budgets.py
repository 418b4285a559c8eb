"""Per-user budgets in this process: one person's ten tabs, or a client stuck in a reconnect
loop, must not slow everyone else down.

- at most `per_user` open connections per user: the next `hello` is refused;
- `session.join` at most `joins_per_min` per user, a token bucket that refills steadily (so
  a burst of tab restores passes, a loop does not); it outlives the user's connections,
  because a reconnect loop closes them.

Both are per process: cheap (no Redis round trip on the join path), and with N processes
behind a balancer a user gets at most N times the budget, which still bounds a runaway client.
"""

from __future__ import annotations

import time

UserKey = tuple[str, str]  # event, user id


class Budgets:
    def __init__(self, per_user: int, joins_per_min: int) -> None:
        self.per_user = per_user
        self.rate = joins_per_min / 60.0
        self.burst = float(max(1, joins_per_min))
        self._open: dict[UserKey, int] = {}
        self._joins: dict[UserKey, tuple[float, float]] = {}  # tokens, at

    def admit(self, user: UserKey) -> bool:
        """Take a connection slot for `user`; False if all are taken."""
        count = self._open.get(user, 0)
        if count >= self.per_user:
            return False
        self._open[user] = count + 1
        return True

    def release(self, user: UserKey) -> None:
        count = self._open.get(user, 0) - 1
        if count > 0:
            self._open[user] = count
            return
        self._open.pop(user, None)
        if len(self._joins) > 2 * len(self._open) + 1000:
            self._forget_full()

    def join(self, user: UserKey, now: float | None = None) -> float:
        """Spend one join: 0.0, or (the bucket is empty) the seconds until one is there."""
        now = time.monotonic() if now is None else now
        tokens, at = self._joins.get(user, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1:
            self._joins[user] = (tokens, now)
            return (1 - tokens) / self.rate
        self._joins[user] = (tokens - 1, now)
        return 0.0

    def _forget_full(self) -> None:
        """Drop the buckets that have refilled (their users would start full anyway)."""
        now = time.monotonic()
        for user, (tokens, at) in list(self._joins.items()):
            if tokens + (now - at) * self.rate >= self.burst:
                del self._joins[user]
