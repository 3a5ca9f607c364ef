"""The phone system's webhook for calls: signed requests in, what the phone should do next out (JSON).

Contract (README: "The urgent line"): POST JSON {"call_id", "caller", "choice", "language"?} with headers
X-Servicedesk-Timestamp (Unix seconds) and X-Servicedesk-Signature (hex HMAC-SHA256 of "<timestamp>.<body>"
with the shared secret). Refused: a bad signature, a timestamp more than 5 minutes off, a request seen
before. Answer: {"action": "menu" | "transfer" | "hangup", "say": text, "language": "nl" | "en",
"transfer_to": E.164 (transfer), "menu": {"1": "urgent"} (menu), "ticket": number (urgent ticket)}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from servicedesk.oncall.calls import Call, Replayed, phone_call_answer

MAX_AGE = 300  # seconds a signed request stays valid
STAMP_DIGITS = 12  # a Unix time in seconds has 10 digits until the year 2286


def _now():
    """The business clock (tests move it; the signature's freshness uses the real time)."""
    return timezone.now()


def _signed(request) -> str | None:
    """Why the request's signature is refused, or None when it is signed and fresh."""
    secret = settings.SERVICEDESK_PHONE_SECRET
    if not secret:
        return "the phone webhook has no secret configured"
    stamp = request.headers.get("X-Servicedesk-Timestamp", "")
    signature = request.headers.get("X-Servicedesk-Signature", "")
    if (
        not (stamp.isascii() and stamp.isdigit() and len(stamp) <= STAMP_DIGITS)
        or abs(time.time() - int(stamp)) > MAX_AGE
    ):
        return "timestamp missing or too old"
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    if not (signature.isascii() and hmac.compare_digest(expected, signature)):
        return "bad signature"
    return None


def _call(request) -> Call | None:
    """The call the body describes, or None when it is not a JSON object."""
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than any call is
        return None
    if not isinstance(body, dict):
        return None
    language = body.get("language")
    return Call(
        signature=request.headers["X-Servicedesk-Signature"],
        caller=str(body.get("caller", "")),
        choice=str(body.get("choice", "")),
        language=language if language in ("nl", "en") else "nl",
    )


@csrf_exempt
@require_POST
def phone_call(request):
    problem = _signed(request)
    if problem is not None:
        return JsonResponse({"error": problem}, status=403)
    call = _call(request)
    if call is None:
        return JsonResponse({"error": "body: not a JSON object with caller and choice"}, status=400)
    try:
        return JsonResponse(phone_call_answer(call, now=_now()))
    except Replayed:
        return JsonResponse({"error": "request replayed"}, status=403)
