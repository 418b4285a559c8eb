from plenary.features.reactions import rules


def test_counts_add_up_per_kind_and_ignore_unknown_kinds() -> None:
    total = rules.added({"heart": 2, "boo": 5}, {"heart": 1, "laugh": 4})
    assert total == {"applause": 0, "thumbs_up": 0, "heart": 3, "laugh": 4, "surprise": 0}


def test_an_event_names_every_kind_and_none_is_sent_for_nothing() -> None:
    assert rules.event_data("s", {}) is None
    assert rules.event_data("s", {"heart": 0}) is None
    assert rules.event_data("s", {"applause": 7}) == {
        "session": "s", "counts": {"applause": 7, "thumbs_up": 0, "heart": 0, "laugh": 0,
                                   "surprise": 0}}


def test_sessions_nobody_reacted_in_lately_are_idle() -> None:
    seen = {("e", "a"): 10.0, ("e", "b"): 14.0}
    assert list(rules.idle(seen, now=15.0, keep_s=4.0)) == [("e", "a")]


def test_the_person_limit_counts_every_process_and_this_one_since_the_sync() -> None:
    assert rules.window(1_000_009.9, 10) == 100_000 and rules.window(1_000_010.0, 10) == 100_001
    assert rules.allowed(known=20, pending=9, limit=30)
    assert not rules.allowed(known=20, pending=10, limit=30)
    assert not rules.allowed(known=31, pending=0, limit=30)
