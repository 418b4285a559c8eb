"""Multi-question surveys and daily pulses (see docs/protocol/surveys.md)."""

from .feature import SurveysFeature

__all__ = ["SurveysFeature"]
