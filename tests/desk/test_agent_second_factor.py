"""Agents' second factor: set up on their account page, asked for at every sign-in, and, when the settings
require it, set up before any other desk page."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client

from servicedesk.portal.models import SecondFactor
from tests import factories

pytestmark = pytest.mark.django_db


def sign_in(client, username="joost") -> str:
    return client.post("/desk/login/", {"username": username, "password": "s3cret-pass"})["Location"]


def switch_on(client) -> str:
    page = client.post("/desk/account/", {"action": "start"}).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.post("/desk/account/", {"action": "confirm", "code": "000000"}).status_code == 200
    assert not SecondFactor.objects.exists()
    assert client.post("/desk/account/", {"action": "confirm", "code": pyotp.TOTP(secret).now()}).status_code == 302
    return secret


def test_an_agent_with_a_second_factor_signs_in_with_a_code(client):
    joost = factories.agent("joost")
    sign_in(client)
    secret = switch_on(client)
    SecondFactor.objects.filter(user=joost).update(last_step=0)  # the set-up code may be used to sign in
    client.post("/desk/logout/")

    browser = Client()
    assert sign_in(browser) == "/desk/login/code/"
    response = browser.get("/desk/queue/open/")
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")  # not in yet
    assert browser.post("/desk/login/code/", {"code": "000000"}).status_code == 200
    assert browser.post("/desk/login/code/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert browser.get("/desk/queue/open/").status_code == 200


def test_wrong_codes_are_limited_like_passwords(client):
    joost = factories.agent("joost")
    SecondFactor.objects.create(user=joost, secret=pyotp.random_base32(), confirmed_at="2026-12-01T10:00:00Z")
    sign_in(client)
    for _ in range(5):
        client.post("/desk/login/code/", {"code": "123456"})
    blocked = client.post("/desk/login/code/", {"code": "123456"}, follow=True)
    assert "Te veel verkeerde codes" in blocked.content.decode()
    assert client.get("/desk/queue/open/").status_code == 302


def test_when_required_an_agent_sets_it_up_before_using_the_desk(client, settings):
    settings.SERVICEDESK_AGENT_SECOND_FACTOR = "required"
    joost = factories.agent("joost")
    sign_in(client)
    for url in ("/desk/", "/desk/queue/open/", "/desk/phone/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/desk/account/", url
    page = client.get("/desk/account/").content.decode()
    assert "De desk vraagt van elke medewerker een tweede factor" in page
    switch_on(client)
    assert client.get("/desk/queue/open/").status_code == 200
    client.post("/desk/account/", {"action": "remove", "code": "000000"})
    assert SecondFactor.objects.filter(user=joost).exists()  # not switched off while required
