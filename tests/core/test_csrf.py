"""Forms are protected by Django's CSRF check: the page's token passes it, a forged one is refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories
from tests.helpers import portal_account

pytestmark = pytest.mark.django_db


def test_a_form_with_its_pages_token_passes_and_a_forged_one_is_refused():
    anja = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True, email="anja@korrel.example")
    portal_account(anja, factories.agent("anouk"))
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/portal/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post("/portal/login/", {"csrfmiddlewaretoken": token, "email": anja.email, "password": "x"})
    assert response.status_code == 200  # the form again (wrong password), not 403
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert browser.post("/portal/login/", {"csrfmiddlewaretoken": forged, "email": anja.email}).status_code == 403
    assert browser.post("/portal/login/", {"email": anja.email, "password": "x"}).status_code == 403
