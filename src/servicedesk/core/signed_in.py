"""The signed-in user of a request, with the session's copy from this process's cache confirmed in the same query.

Every request of a signed-in user reads the user (a withdrawn right to report ends access at once). When the
session came from this process's cache (`core/sessions.py`), that one statement also asks whether the database
still holds that copy of the session: a session signed out or changed on another worker is seen here too, at no
extra round trip.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Exists
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from servicedesk.core.prepared import PreparedQuery
from servicedesk.core.sessions import live_session

_USER_IN_SESSION = PreparedQuery(
    lambda pk, key, text: get_user_model()._default_manager.filter(Exists(live_session(key, text)), pk=pk).order_by(),
    texts=2,
)


def user_pk(user_id):
    """The session's user id as the user model's primary key, or None (a session from elsewhere)."""
    try:
        return get_user_model()._meta.pk.to_python(user_id)
    except ValidationError:
        return None


def found_user(backend, query: PreparedQuery, user_id, *values):
    """What `query` finds for the session's user id (and `values`), if the backend lets that user sign in: a
    backend's `get_user`, with the query prepared once."""
    pk = user_pk(user_id)
    user = None if pk is None else query.first(pk, *values)
    return user if user is not None and backend.user_can_authenticate(user) else None


def _user_in_session(backend, user_id, session_key: str, stored_text: str):
    """(looked up, user): the backend's user, found only while the database holds this copy of the session, if
    the backend can look it up so."""
    find = getattr(backend, "get_user_in_session", None)
    if find is not None:
        return True, find(user_id, session_key, stored_text)
    if type(backend) is ModelBackend:  # Django's: the user by primary key, if active
        return True, found_user(backend, _USER_IN_SESSION, user_id, session_key, stored_text)
    return False, None


def get_user(request):
    """What `django.contrib.auth.get_user` gives, with a cached session confirmed by the user's own query."""
    session = request.session
    unconfirmed = getattr(session, "unconfirmed", None)
    if unconfirmed is None:  # another session engine
        return auth.get_user(request)
    data = unconfirmed()  # loads the session: from the database (confirmed), or a copy from the cache
    if not session.awaiting_confirmation:
        return auth.get_user(request)
    user_id, backend_path = data.get(SESSION_KEY), data.get(BACKEND_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)  # its first read of the session confirms it
    looked_up, user = _user_in_session(load_backend(backend_path), user_id, session.session_key, session.stored_text)
    if not looked_up or user is None:
        # Another backend, or nothing found: the session gone or changed, or the user. Ask about the session
        # alone (read again if changed), then as Django does (no session, no user: anonymous without a query).
        session.confirm()
        return auth.get_user(request)
    session.confirmed()
    return _verified(request, user)


def _verified(request, user):
    """The user if the session's hash of their password still matches, as `django.contrib.auth.get_user` checks
    it (Django 5.2): a password changed elsewhere signs out every other session; a hash made with a retired
    secret key (`SECRET_KEY_FALLBACKS`) is made again with the current one."""
    session = request.session
    session_hash = session.get(HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = current
        return user
    session.flush()
    return AnonymousUser()


class SignedInMiddleware(AuthenticationMiddleware):
    """Django's authentication middleware with `get_user` above for `request.user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
