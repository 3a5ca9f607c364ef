"""Sessions kept in the database, with a copy in each process's memory that counts only while the database
still has the session.

Django's `cached_db` sessions trust the cache: a session found there is not looked up in the database. With a
cache per process (`LocMemCache`, our default) that is wrong as soon as there are two processes (gunicorn's
workers): signing out, the new key given at sign-in, or a session ended by an agent delete the database's row
and the copy of the process that served the request, but not the copies the other processes keep. A session
signed out on one worker stayed signed in on the other, with a stolen cookie for as long as the copy lived.

Here a copy from the cache is used only once the database confirms that the session still exists and has not
expired. The signed-in user's query confirms it in the same statement (`core/signed_in.py`), so a request of a
signed-in user costs no more than before; any other first read of the session's data asks the database first.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import router
from django.db.models.functions import Now

from servicedesk.core.prepared import PreparedQuery

_LIVE_SESSION = PreparedQuery(
    lambda key: Session.objects.filter(session_key=key, expire_date__gt=Now()).values("session_key"),
    values=0,
    texts=1,
)


def live_session(session_key: str):
    """The condition "the session with this key exists and has not expired", for a query that confirms a
    session's copy along with what it reads (`Exists(live_session(key))`)."""
    return Session.objects.filter(session_key=session_key, expire_date__gt=Now())


class SessionStore(cached_db.SessionStore):
    """`cached_db` whose copy from the cache waits for the database's word (see the module)."""

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self.awaiting_confirmation = False  # the data came from this process's cache and is not confirmed yet

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # as cached_db: a key the cache refuses is no session
            data = None
        if data is None:
            return super().load()  # from the database, which confirms it, into the cache
        self.awaiting_confirmation = True
        return data

    async def aload(self):
        return await DatabaseStore.aload(self)  # asynchronous code reads the database every time

    def _get_session(self, no_load=False):
        data = SessionBase._get_session(self, no_load)
        if self.awaiting_confirmation and not self.confirm():
            data = self._session_cache
        return data

    _session = property(_get_session)

    def unconfirmed(self) -> dict:
        """The session's data without confirming a copy from the cache: only for a caller that confirms it in its
        own query and then calls `confirmed()` (or `confirm()` if that query found nothing)."""
        return SessionBase._get_session(self)

    def confirmed(self) -> None:
        """The caller's query found the session in the database."""
        self.awaiting_confirmation = False

    def confirm(self) -> bool:
        """Whether the database still has the session; if not, this process's copy is dropped and the session is
        empty (no key), as for a session the database never had."""
        if not self.awaiting_confirmation:
            return True
        self.awaiting_confirmation = False
        if _LIVE_SESSION.first(self.session_key, using=router.db_for_read(Session)) is not None:
            return True
        self._cache.delete(self.cache_key)
        self._session_key = None
        self._session_cache = {}
        return False
