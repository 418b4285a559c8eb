"""Live captions: captioners (or, later, a speech-to-text engine) send lines; viewers see them."""

from .feature import CaptionsFeature

__all__ = ["CaptionsFeature"]
