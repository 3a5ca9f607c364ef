"""Sessions (core/sessions.py, core/signed_in.py): a copy kept in this process's cache counts only while the
database holds that very version of the session. Deleting or saving the row here behind the cache's back (with
Django's plain database store) is what signing out or changing the session on another worker (another process,
with its own cache) does to this one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.sessions import SessionStore
from servicedesk.portal.views.account import SETUP
from tests import factories

pytestmark = pytest.mark.django_db
CONTACT_BACKEND = "servicedesk.portal.auth.ContactBackend"


@pytest.fixture
def contact_user():
    return factories.portal_user(factories.contact(factories.customer(), main=True, email="anja@korrel.example"))


def sign_in(client, who, contact_user):
    """(client signed in, a page only a signed-in user sees, where the others are sent)."""
    if who == "contact":
        client.force_login(contact_user, backend=CONTACT_BACKEND)
        return "/portal/", "/portal/login/"
    assert client.login(username=factories.agent("marloes").username, password="s3cret-pass")
    return "/desk/", "/desk/login/"


def session_key(client) -> str:
    return client.cookies["sessionid"].value


@pytest.mark.parametrize("who", ["contact", "agent"])
def test_a_session_signed_out_on_another_worker_ends_on_this_one(client, contact_user, who):
    page, login = sign_in(client, who, contact_user)
    assert client.get(page).status_code == 200  # this process's copy now in its cache
    assert SessionStore(session_key(client))._cache.get(SessionStore(session_key(client)).cache_key) is not None
    Session.objects.filter(session_key=session_key(client)).delete()  # the other worker's sign-out

    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(login)
    assert response.cookies["sessionid"].value == ""  # the browser is told to forget it
    store = SessionStore(session_key(client) or "x" * 32)
    assert store._cache.get(store.cache_key) is None


@pytest.mark.parametrize("who", ["contact", "agent"])
def test_a_cached_session_is_confirmed_in_the_users_own_query(client, contact_user, who):
    page, _ = sign_in(client, who, contact_user)
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    user_query = queries[0]["sql"]
    assert "django_session" in user_query and "auth_user" in user_query
    assert not any("django_session" in q["sql"] for q in queries[1:])


def elsewhere(key: str, **changes) -> None:
    """Another worker changes the session: the database's row, not this process's copy."""
    other = DatabaseStore(key)
    other.update(changes)
    other.save()


def test_a_session_changed_on_another_worker_is_read_again(client, contact_user):
    """Setting up a second factor: the secret made on one worker is the one the other shows and checks."""
    sign_in(client, "contact", contact_user)
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEH" not in client.get("/portal/account/").content.decode()  # copy kept here
    elsewhere(session_key(client), **{SETUP: "JBSWY3DPEHPK3PXPJBSWY3DPEH"})
    with CaptureQueriesContext(connection) as queries:
        assert "JBSWY3DPEHPK3PXPJBSWY3DPEH" in client.get("/portal/account/").content.decode()
    # The user's query found no such copy; the session alone, read again; the user; the second factor.
    assert ["django_session" in q["sql"] for q in queries[:3]] == [True, True, True]
    with CaptureQueriesContext(connection) as queries:
        assert "JBSWY3DPEHPK3PXPJBSWY3DPEH" in client.get("/portal/account/").content.decode()
    assert sum("django_session" in q["sql"] for q in queries) == 1  # the new copy kept, confirmed with the user


def test_an_expired_session_is_not_confirmed(client, contact_user):
    page, login = sign_in(client, "contact", contact_user)
    client.get(page)
    Session.objects.filter(session_key=session_key(client)).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(page)["Location"].startswith(login)


def test_a_password_changed_elsewhere_signs_this_session_out(client, contact_user):
    page, login = sign_in(client, "contact", contact_user)
    client.get(page)
    key = session_key(client)
    contact_user.set_password("Een-Nieuw-Wachtwoord-7")
    contact_user.save()
    assert client.get(page)["Location"].startswith(login)
    assert not Session.objects.filter(session_key=key).exists()  # flushed, as Django does


def test_a_session_hashed_with_a_retired_secret_key_stays_signed_in_with_a_new_key(client, contact_user, settings):
    page, _ = sign_in(client, "contact", contact_user)
    client.get(page)
    old_key = session_key(client)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "x" * 30
    assert client.get(page).status_code == 200
    new_key = session_key(client)
    assert new_key != old_key and not Session.objects.filter(session_key=old_key).exists()
    stored = SessionStore(new_key)
    assert stored[HASH_SESSION_KEY] == contact_user.get_session_auth_hash()
    assert client.get(page).status_code == 200


def test_a_deactivated_user_is_anonymous_and_the_session_stays(client, contact_user):
    page, login = sign_in(client, "contact", contact_user)
    client.get(page)
    get_user_model().objects.filter(pk=contact_user.pk).update(is_active=False)
    assert client.get(page)["Location"].startswith(login)
    assert Session.objects.filter(session_key=session_key(client)).exists()


def test_session_data_read_without_a_user_is_confirmed_first():
    first = SessionStore()
    first["reset-token"] = "abc"
    first.save()
    kept = SessionStore(first.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert kept["reset-token"] == "abc"  # from the cache, confirmed by one lookup
        assert kept.get("reset-token") == "abc"
    assert len(queries) == 1 and "django_session" in queries[0]["sql"]

    Session.objects.filter(session_key=first.session_key).delete()
    gone = SessionStore(first.session_key)
    assert gone.get("reset-token") is None
    assert gone.session_key is None and gone.is_empty()
    assert gone._cache.get(first.cache_key) is None


def test_session_data_changed_elsewhere_replaces_the_copy():
    first = SessionStore()
    first["step"] = 1
    first.save()
    elsewhere(first.session_key, step=2)
    kept = SessionStore(first.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert kept["step"] == 2
    assert len(queries) == 2  # the copy not confirmed, the session read again
    assert kept.session_key == first.session_key
    again = SessionStore(first.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert again["step"] == 2
    assert len(queries) == 1  # the new copy confirmed


def test_a_session_read_from_the_database_needs_no_second_look():
    first = SessionStore()
    first[SESSION_KEY] = "1"
    first.save()
    first._cache.clear()  # another process: nothing kept yet
    fresh = SessionStore(first.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert fresh[SESSION_KEY] == "1"
        assert fresh.get(SESSION_KEY) == "1"
    assert len(queries) == 1 and not fresh.awaiting_confirmation


def test_asynchronous_code_reads_the_database():
    first = SessionStore()
    first["x"] = 1
    first.save()
    Session.objects.filter(session_key=first.session_key).delete()
    assert async_to_sync(SessionStore(first.session_key).aload)() == {}
