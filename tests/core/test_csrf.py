"""Page tokens masked by core/csrf.py: Django's format, unmasked by Django to the cookie's secret, uniform."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory

from servicedesk.core import csrf
from tests.portal.test_portal import account, agent, anja, korrel  # noqa: F401 (fixtures)

SECRET = "abcDEF0123456789ghijKLMNopqrSTUV"


def request_with(secret: str | None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_tokens_unmask_to_the_cookies_secret_and_differ_every_time():
    request = request_with(SECRET)
    tokens = {csrf.masked_token(request) for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == CSRF_TOKEN_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie's expiry is renewed, as Django does


def test_without_a_secret_django_makes_one():
    request = request_with(None)
    token = csrf.masked_token(request)
    made = request.META["CSRF_COOKIE"]
    assert len(made) == CSRF_SECRET_LENGTH and _unmask_cipher_token(token) == made


def test_every_character_is_drawn_equally_often(monkeypatch):
    """Each byte value once: 248 of 256 are used (4 for each of the 62 characters), the 8 highest dropped."""
    monkeypatch.setattr(csrf.secrets, "token_bytes", lambda n: bytes(range(256)))
    drawn = csrf.random_characters(248)
    assert Counter(drawn) == dict.fromkeys(CSRF_ALLOWED_CHARS, 4)


@pytest.mark.django_db
def test_a_form_with_this_token_passes_djangos_csrf_check(anja, agent, monkeypatch):  # noqa: F811
    made = []
    real = csrf.masked_token
    monkeypatch.setattr(csrf, "masked_token", lambda request: made.append(1) or real(request))
    account(anja, agent)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/portal/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert made and _unmask_cipher_token(token) == browser.cookies["csrftoken"].value
    response = browser.post("/portal/login/", {"csrfmiddlewaretoken": token, "email": anja.email, "password": "x"})
    assert response.status_code == 200  # the form again (wrong password), not 403
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert browser.post("/portal/login/", {"csrfmiddlewaretoken": forged, "email": anja.email}).status_code == 403
