"""Per-user budgets: a connection cap, and a join bucket that outlives connections."""

from __future__ import annotations

from plenary.budgets import Budgets

ANN = ("ev", "ann")


def test_a_user_gets_at_most_the_cap_of_connections_and_a_closed_one_frees_a_slot() -> None:
    budgets = Budgets(per_user=2, joins_per_min=30)
    assert budgets.admit(ANN) and budgets.admit(ANN)
    assert not budgets.admit(ANN)
    assert budgets.admit(("ev", "bob"))  # others are not affected
    budgets.release(ANN)
    assert budgets.admit(ANN)


def test_joins_burst_then_refill_steadily_and_say_how_long_to_wait() -> None:
    budgets = Budgets(per_user=10, joins_per_min=30)  # a burst of 30, then one per 2 s
    assert all(budgets.join(ANN, now=100.0) == 0.0 for _ in range(30))
    assert budgets.join(ANN, now=100.0) == 2.0
    assert budgets.join(ANN, now=101.0) == 1.0
    assert budgets.join(ANN, now=102.0) == 0.0
    assert budgets.join(("ev", "bob"), now=102.0) == 0.0


def test_the_bucket_outlives_a_reconnect() -> None:
    budgets = Budgets(per_user=10, joins_per_min=2)
    for _ in range(2):
        budgets.admit(ANN)
        assert budgets.join(ANN, now=0.0) == 0.0
        budgets.release(ANN)
    budgets.admit(ANN)
    assert budgets.join(ANN, now=0.0) > 0
