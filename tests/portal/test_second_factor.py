"""The optional second factor: set up with a code from an authenticator app, asked at every sign-in, a code
works once, wrong codes are rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from servicedesk.portal.models import SecondFactor
from servicedesk.portal.totp import matching_step
from tests import factories
from tests.helpers import PORTAL_PASSWORD as PASSWORD
from tests.helpers import portal_account as account

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def anja():
    return factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")


def switch_on(client, anja, agent) -> str:
    account(anja, agent)
    client.post("/portal/login/", {"email": anja.email, "password": PASSWORD})
    page = client.post("/portal/account/", {"action": "start"}).content.decode()
    assert "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/portal/account/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 200 and not SecondFactor.objects.exists()
    client.post("/portal/account/", {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    anja.refresh_from_db()
    assert SecondFactor.objects.filter(user=anja.user).exists()
    client.post("/portal/logout/")
    return secret


def test_sign_in_asks_for_the_code_and_a_code_works_once(client, anja, agent):
    secret = switch_on(client, anja, agent)
    SecondFactor.objects.filter(user=anja.user).update(last_step=0)  # the set-up code may be used to sign in
    response = client.post("/portal/login/", {"email": anja.email, "password": PASSWORD})
    assert response["Location"] == "/portal/login/code/"
    assert client.get("/portal/").status_code == 302  # not signed in yet
    code = pyotp.TOTP(secret).now()
    assert client.post("/portal/login/code/", {"code": code}).status_code == 302
    assert client.get("/portal/").status_code == 200
    client.post("/portal/logout/")
    client.post("/portal/login/", {"email": anja.email, "password": PASSWORD})
    replay = client.post("/portal/login/code/", {"code": code})
    assert replay.status_code == 200 and "al gebruikt" in replay.content.decode()


def test_wrong_codes_are_rate_limited(client, anja, agent):
    switch_on(client, anja, agent)
    client.post("/portal/login/", {"email": anja.email, "password": PASSWORD})
    for _ in range(5):
        client.post("/portal/login/code/", {"code": "123456"})
    blocked = client.post("/portal/login/code/", {"code": "123456"}, follow=True)
    assert "Te veel verkeerde codes" in blocked.content.decode()
    assert client.get("/portal/").status_code == 302


def test_codes_of_the_neighbouring_steps_are_accepted_for_clock_drift():
    secret = pyotp.random_base32()
    now = timezone.now()
    totp = pyotp.TOTP(secret)
    for drift, accepted in ((-30, True), (0, True), (30, True), (-90, False), (90, False)):
        code = totp.at(now + timedelta(seconds=drift))
        assert (matching_step(secret, code, now) is not None) is accepted, drift
    assert matching_step(secret, "12a456", now) is None
