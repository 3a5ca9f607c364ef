"""Sessions as the site keeps them (Django's database sessions; `cached_db` with a shared cache, see
test_served.py): whatever another worker does to a session is what this one sees on the next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from servicedesk.portal.views.account import SETUP
from tests import factories
from tests.helpers import PORTAL_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact_user():
    return factories.portal_user(factories.contact(factories.customer(), main=True, email="anja@korrel.example"))


def sign_in(client, who, contact_user):
    """(client signed in, a page only a signed-in user sees, where the others are sent)."""
    if who == "contact":
        response = client.post("/portal/login/", {"email": contact_user.email, "password": PORTAL_PASSWORD})
        assert response.status_code == 302
        return "/portal/", "/portal/login/"
    assert client.login(username=factories.agent("marloes").username, password="s3cret-pass")
    return "/desk/", "/desk/login/"


def session_key(client) -> str:
    return client.cookies["sessionid"].value


@pytest.mark.parametrize("who", ["contact", "agent"])
def test_a_session_signed_out_on_another_worker_ends_on_this_one(client, contact_user, who):
    page, login = sign_in(client, who, contact_user)
    assert client.get(page).status_code == 200
    Session.objects.filter(session_key=session_key(client)).delete()  # the other worker's sign-out

    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(login)


def test_a_session_changed_on_another_worker_is_read_here(client, contact_user):
    """Setting up a second factor: the secret made on one worker is the one the other shows and checks."""
    sign_in(client, "contact", contact_user)
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEH" not in client.get("/portal/account/").content.decode()
    other = SessionStore(session_key(client))
    other[SETUP] = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
    other.save()
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEH" in client.get("/portal/account/").content.decode()


def test_an_expired_session_signs_out(client, contact_user):
    page, login = sign_in(client, "contact", contact_user)
    client.get(page)
    Session.objects.filter(session_key=session_key(client)).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(page)["Location"].startswith(login)


@pytest.mark.parametrize("who", ["contact", "agent"])
def test_a_password_changed_elsewhere_signs_this_session_out(client, contact_user, who):
    page, login = sign_in(client, who, contact_user)
    client.get(page)
    key = session_key(client)
    user = get_user_model().objects.get(pk=Session.objects.get(session_key=key).get_decoded()["_auth_user_id"])
    user.set_password("Een-Nieuw-Wachtwoord-7")
    user.save()
    assert client.get(page)["Location"].startswith(login)
    assert not Session.objects.filter(session_key=key).exists()  # flushed, as Django does


def test_a_deactivated_user_is_signed_out(client, contact_user):
    page, login = sign_in(client, "contact", contact_user)
    client.get(page)
    get_user_model().objects.filter(pk=contact_user.pk).update(is_active=False)
    assert client.get(page)["Location"].startswith(login)


def test_a_contact_page_reads_the_user_with_contact_and_customer_in_one_query(client, contact_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page, _ = sign_in(client, "contact", contact_user)
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    user_queries = [q["sql"] for q in queries if '"auth_user"' in q["sql"] and "FROM" in q["sql"]]
    assert len(user_queries) == 1
    assert "customers_contact" in user_queries[0] and "customers_customer" in user_queries[0]
