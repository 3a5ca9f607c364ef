"""`Idempotency-Key` on POSTs: the first answer of a key is kept, and the same request again gets it back.

The key is the caller's (per token); the same key with another request is refused (422). Only successful
answers are kept: a refused request may be corrected and sent again under its key. The request, its writes and
the kept answer commit together, so a retry racing the first waits for it and then gets its answer.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.api.models import IdempotentRequest
from servicedesk.api.selectors import token_for_secret

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
KEY_MAX = 200


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(kept: IdempotentRequest, request_hash: str, refuse) -> HttpResponse:
    if kept.request_hash != request_hash:
        return refuse(_("This Idempotency-Key was used for another request."))
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type=kept.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(run):
    """Wraps an operation's `run` (ninja's `decorate_view`)."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, *args, **kwargs)
        operation = getattr(run, "__self__", None)
        api = operation.api if operation is not None else None

        def refuse(problem: str) -> HttpResponse:
            body = {"errors": [{"field": HEADER, "problem": problem}]}
            return api.create_response(request, body, status=422)

        if not key.strip() or len(key) > KEY_MAX:
            return refuse(_("Give a key of 1 to %(n)d characters.") % {"n": KEY_MAX})
        header = request.headers.get("Authorization", "")
        scheme, _space, secret = header.partition(" ")
        token = token_for_secret(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return run(request, *args, **kwargs)  # refused by the authentication
        request_hash = _request_hash(request)
        now = timezone.now()
        try:
            with transaction.atomic():
                kept = IdempotentRequest.objects.filter(token=token, key=key).first()
                if kept is not None:
                    return _replay(kept, request_hash, refuse)
                # Taken first: a second request with this key waits here until this one commits (or fails).
                kept = IdempotentRequest.objects.create(
                    token=token, key=key, request_hash=request_hash, status=0, content_type="", body=b"", created_at=now
                )
                response = run(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    kept.status = response.status_code
                    kept.content_type = response.get("Content-Type", "application/json")
                    kept.body = response.content
                    kept.save(update_fields=["status", "content_type", "body"])
                else:
                    kept.delete()
                IdempotentRequest.objects.filter(created_at__lt=now - KEPT).delete()
        except IntegrityError:  # the same key at the same moment, committed first: everything here undone
            kept = IdempotentRequest.objects.filter(token=token, key=key).first()
            if kept is None:
                raise
            return _replay(kept, request_hash, refuse)
        return response

    return wrapper
