"""The features, in the order their parts appear in a snapshot or report (membership, the
sessions themselves, is core: `plenary.membership`)."""

from __future__ import annotations

from ..feature import Feature


def all_features() -> list[type[Feature]]:
    # Imported here, not at module level: media pulls in aiortc and PyAV, which only the
    # app (not every test of a rule) needs.
    from .breakouts import BreakoutsFeature
    from .breakouts.sharing import ReportBackFeature
    from .chat import ChatFeature
    from .media import MediaFeature
    from .moderation import ModerationFeature
    from .polls import PollsFeature
    from .qa import QAFeature
    from .reactions import ReactionsFeature
    from .stage import StageFeature

    return [QAFeature, PollsFeature, BreakoutsFeature, MediaFeature,
            # The live room: moderation, reactions, the floor, the session chat.
            ModerationFeature, ReactionsFeature, StageFeature, ChatFeature, ReportBackFeature]
