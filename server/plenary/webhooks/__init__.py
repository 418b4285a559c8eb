"""Webhooks: organisers register HTTPS endpoints per event; Plenary POSTs a signed JSON body
when a session starts or ends, a poll closes, a question is answered, a breakout report is
submitted, a session's report is ready (docs/webhooks.md)."""

from .feature import WebhooksFeature

__all__ = ["WebhooksFeature"]
