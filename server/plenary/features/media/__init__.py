"""Live media: WebRTC publish and subscribe, relayed encode-once (see relay.py)."""

from .feature import MediaFeature

__all__ = ["MediaFeature"]
