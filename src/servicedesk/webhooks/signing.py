"""The signature of a delivery, as the desk's phone webhook verifies its callers': hex HMAC-SHA256 of
"<timestamp>.<body>" with the subscription's secret, in X-Servicedesk-Timestamp / X-Servicedesk-Signature."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """What a receiver checks (also its freshness, which needs its own clock)."""
    if not (timestamp.isascii() and timestamp.isdigit() and given.isascii()):
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), given)
