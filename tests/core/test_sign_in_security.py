"""Sign-in as an attacker would try it: the desk for agents only, the portal only through its own sign-in, tries
counted per account however the name is typed and wherever it is typed, per client behind a proxy, and never
more tries than the limit, however many arrive at once."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from servicedesk.core.throttle import (
    MAX_PER_ACCOUNT,
    MAX_PER_ADDRESS,
    Limit,
    client_address,
    try_reserve,
    try_succeeded,
)
from tests import factories
from tests.helpers import PORTAL_PASSWORD

BLOCKED = "Te veel mislukte aanmeldpogingen"


@pytest.fixture
def anja(db):
    contact = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    factories.portal_user(contact, PORTAL_PASSWORD)
    return contact


@pytest.mark.django_db
def test_a_contacts_account_cannot_sign_in_at_the_desk_nor_use_that_session_in_the_portal(client, anja):
    response = client.post("/desk/login/", {"username": f"contact-{anja.pk}", "password": PORTAL_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/portal/").status_code == 302  # to the portal's sign-in


@pytest.mark.django_db
def test_the_portal_takes_only_sessions_its_own_sign_in_made(client, anja):
    client.force_login(anja.user, backend="servicedesk.portal.auth.ContactBackend")  # not through the portal
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    signed_in = Client()
    assert signed_in.post("/portal/login/", {"email": anja.email, "password": PORTAL_PASSWORD}).status_code == 302
    assert signed_in.get("/portal/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["joost ", " joost", "\uff4a\uff4f\uff4f\uff53\uff54", "joost"])
def test_the_lock_holds_however_the_name_is_typed(client, typed):
    factories.agent("joost")
    for _ in range(MAX_PER_ACCOUNT):
        client.post("/desk/login/", {"username": "joost", "password": "wrong"})
    response = client.post("/desk/login/", {"username": typed, "password": "s3cret-pass"})
    assert BLOCKED in response.content.decode() and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_desk_and_the_portal_count_one_account_together(client, anja):
    for _ in range(3):
        client.post("/desk/login/", {"username": f"contact-{anja.pk}", "password": "wrong"})
    for _ in range(MAX_PER_ACCOUNT - 3):
        client.post("/portal/login/", {"email": anja.email.upper(), "password": "wrong"})
    response = client.post("/portal/login/", {"email": anja.email, "password": PORTAL_PASSWORD})
    assert BLOCKED in response.content.decode() and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_right_password_starts_the_count_again(client, anja):
    for _ in range(MAX_PER_ACCOUNT - 1):
        client.post("/portal/login/", {"email": anja.email, "password": "wrong"})
    assert client.post("/portal/login/", {"email": anja.email, "password": PORTAL_PASSWORD}).status_code == 302
    client.post("/portal/logout/")
    for _ in range(MAX_PER_ACCOUNT - 1):
        client.post("/portal/login/", {"email": anja.email, "password": "wrong"})
    assert client.post("/portal/login/", {"email": anja.email, "password": PORTAL_PASSWORD}).status_code == 302


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    return RequestFactory().post("/desk/login/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "10.0.0.2", "198.51.100.1", "10.0.0.2"),  # no proxy trusted: the header is anyone's to write
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client wrote itself is passed over
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not an address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(proxies, remote, forwarded, client):
    with override_settings(SERVICEDESK_TRUSTED_PROXIES=proxies):
        assert client_address(request_from(remote, forwarded)) == client


@pytest.mark.django_db
def test_behind_a_proxy_one_client_locks_out_itself_not_everyone(client):
    factories.agent("joost")
    with override_settings(SERVICEDESK_TRUSTED_PROXIES=1):
        for n in range(MAX_PER_ADDRESS):
            client.post(
                "/desk/login/",
                {"username": f"nobody{n}", "password": "wrong"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.66",
            )
        attacker = client.post(
            "/desk/login/", {"username": "joost", "password": "s3cret-pass"}, HTTP_X_FORWARDED_FOR="198.51.100.66"
        )
        assert BLOCKED in attacker.content.decode()
        other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10")
        assert other.post("/desk/login/", {"username": "joost", "password": "s3cret-pass"}).status_code == 302


@pytest.mark.django_db
def test_tries_are_reserved_until_the_window_has_passed():
    now = timezone.now()
    limit = Limit("account:user:1", 2)
    assert try_reserve(limit, now=now) is None
    assert try_reserve(limit, now=now) is None
    assert try_reserve(limit, now=now) == now + timedelta(minutes=15)
    assert try_reserve(limit, now=now + timedelta(minutes=15)) is None  # a new window
    try_succeeded(limit)
    assert try_reserve(limit, now=now + timedelta(minutes=16)) is None


@pytest.mark.django_db
def test_a_blocked_address_takes_no_try_of_the_account():
    now = timezone.now()
    account, address = Limit("account:user:1", 5), Limit("address:10.0.0.1", 1)
    assert try_reserve(account, address, now=now) is None
    assert try_reserve(account, address, now=now) is not None  # the address is used up
    for _ in range(4):
        assert try_reserve(account, now=now) is None  # the account still had its four
    assert try_reserve(account, now=now) is not None


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_no_more_tries_than_the_limit(live_server):
    """Twelve wrong passwords at once over real HTTP: the limit's five are checked, the others refused."""
    factories.agent("joost")
    url = f"{live_server.url}/desk/login/"
    answers: list[str] = []

    def browser():
        """A browser that has the sign-in form (and its CSRF cookie): (opener, the form's token)."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(url, timeout=60) as response:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())[1]
        return opener, token

    ready = [browser() for _ in range(12)]
    start = threading.Barrier(12)

    def attempt(opener, token) -> None:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "joost", "password": "wrong"})
        start.wait()
        with opener.open(urllib.request.Request(url, data=body.encode(), method="POST"), timeout=60) as response:
            answers.append(response.read().decode())

    threads = [threading.Thread(target=attempt, args=pair) for pair in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    assert sum(BLOCKED in page for page in answers) == 12 - MAX_PER_ACCOUNT
