"""Declaring operations: every refusal documented in the schema, every POST under Idempotency-Key."""

from __future__ import annotations

from ninja.decorators import decorate_view

from servicedesk.api.errors import ErrorOut
from servicedesk.api.idempotency import idempotent

REFUSALS = frozenset({400, 401, 403, 404, 422, 429})


def responses(ok: dict) -> dict:
    return {**ok, REFUSALS: ErrorOut}


def get(router, path: str, *, ok, auth, **kwargs):
    return router.get(path, response=responses({200: ok}), auth=auth, **kwargs)


def post(router, path: str, *, ok, auth, status: int = 200, **kwargs):
    """A POST; a retry with the same Idempotency-Key gets the first answer back."""

    def register(view):
        return router.post(path, response=responses({status: ok}), auth=auth, **kwargs)(decorate_view(idempotent)(view))

    return register
