"""The features, in the order their parts appear in a snapshot or report."""

from __future__ import annotations

from ..feature import Feature


def all_features() -> list[type[Feature]]:
    from .sessions import SessionsFeature

    found: list[type[Feature]] = [SessionsFeature]
    for module, name in _OPTIONAL:
        try:
            imported = __import__(f"plenary.features.{module}", fromlist=[name])
        except ModuleNotFoundError as exc:
            if exc.name != f"plenary.features.{module}":
                raise
            continue
        feature = getattr(imported, name, None)
        if feature is not None:
            found.append(feature)
    return found


# Each feature package lands in its own change; a missing one is simply not served yet.
_OPTIONAL = [
    ("qa", "QAFeature"),
    ("polls", "PollsFeature"),
    ("breakouts", "BreakoutsFeature"),
    ("media", "MediaFeature"),
]
