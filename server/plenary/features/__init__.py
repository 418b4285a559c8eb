"""The features, in the order their parts appear in a snapshot or report (membership, the
sessions themselves, is core: `plenary.membership`)."""

from __future__ import annotations

from ..feature import Feature


def all_features() -> list[type[Feature]]:
    # Imported here, not at module level: media pulls in aiortc and PyAV, which only the
    # app (not every test of a rule) needs.
    from .breakouts import BreakoutsFeature
    from .breakouts.sharing import ReportBackFeature
    from .captions import CaptionsFeature
    from .chat import ChatFeature
    from .engagement import EngagementFeature  # issue 14
    from .media import MediaFeature
    from .moderation import ModerationFeature
    from .polls import PollsFeature
    from .qa import QAFeature
    from .reactions import ReactionsFeature
    from .stage import StageFeature
    from .surveys import SurveysFeature  # issue 14

    features: list[type[Feature]] = [QAFeature, PollsFeature, BreakoutsFeature, MediaFeature,
                                     SurveysFeature, EngagementFeature, CaptionsFeature]
    # -- the organiser's day (issue 16) -------------------------------------------------------
    from ..webhooks import WebhooksFeature
    from .screen import ScreenFeature

    features += [ScreenFeature, WebhooksFeature]
    # -- the live room (issue 15): moderation, reactions, the floor, the chat, report-back --
    features += [ModerationFeature, ReactionsFeature, StageFeature, ChatFeature,
                 ReportBackFeature]
    return features
