"""The signature on each delivery: HMAC-SHA256 with the endpoint's secret over
`<unix seconds>.<body>`, sent as `Plenary-Signature: t=<unix seconds>,v1=<hex>` (the scheme
Stripe and others use, so receivers know it). No I/O here."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Plenary-Signature"
TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float,
           tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver checks: a signature of this body by this secret, recent enough."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
