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
