"""The CSRF token of a page, masked as Django masks it, with one call for randomness instead of 32.

Django gives every page a new token: the cookie's secret masked with 32 random characters, which it draws with
32 calls of `secrets.choice` (about 90 us a page, one in ten of a portal list page's time). `masked_token`
draws them from one `secrets.token_bytes`, uniformly (bytes of 248 and over are dropped: 248 = 4 x 62), and
masks as Django does, so Django's middleware unmasks it as its own. `csrf` is the template context processor
that puts it in `csrf_token` (listed after Django's built-in one, which it overrides).
"""

from __future__ import annotations

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

_CHARS = CSRF_ALLOWED_CHARS
_SIZE = len(_CHARS)
_INDEX = {char: n for n, char in enumerate(_CHARS)}
_BELOW = 256 - 256 % _SIZE  # bytes under this give each character equally often


def masked_token(request) -> str:
    """What `django.middleware.csrf.get_token` gives: the secret of the request's CSRF cookie, masked."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(secret) != CSRF_SECRET_LENGTH or any(char not in _INDEX for char in secret):
        return get_token(request)  # no cookie yet: Django makes the secret and sets the cookie
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie's expiry is renewed
    mask = random_characters(CSRF_SECRET_LENGTH)
    return "".join(mask) + "".join(_CHARS[(_INDEX[s] + _INDEX[m]) % _SIZE] for s, m in zip(secret, mask, strict=True))


def random_characters(count: int) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        found += [_CHARS[byte % _SIZE] for byte in secrets.token_bytes(2 * count) if byte < _BELOW]
    return found[:count]


def csrf(request) -> dict:
    return {"csrf_token": SimpleLazyObject(lambda: masked_token(request))}
