"""Sessions kept in the database, with a copy in each process's memory that counts only while the database
holds that very version of the session.

Django's `cached_db` sessions trust the cache: a session found there is not looked up in the database. With a
cache per process (`LocMemCache`, our default) that is wrong as soon as there are two processes (gunicorn's
workers). Signing out, the new key given at sign-in, or a session ended elsewhere delete the database's row and
the copy of the process that served the request, but not the copies the other processes keep: a session signed
out on one worker stayed signed in on the other (with a stolen cookie, for as long as the copy lived). A change
(a second factor's secret being set up, a sign-in waiting for its code) reached only the worker that made it.

Here a copy from the cache is kept with the text the database stored (`session_data`, signed with a timestamp:
every save of new data stores a new text) and is used only once the database confirms that it still holds
that text for the session and the session has not expired. The signed-in user's query confirms it in the same
statement (`core/signed_in.py`), so a request of a signed-in user costs no more than before; any other first
read of the session's data asks the database first. A copy the database no longer confirms is dropped and the
session read again: its newer data, or none.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import router
from django.db.models.functions import Now

from servicedesk.core.prepared import PreparedQuery

_LIVE_SESSION = PreparedQuery(lambda key, text: live_session(key, text).values("session_key"), values=0, texts=2)


def live_session(session_key: str, session_data: str):
    """The sessions with this key that hold this text and have not expired (one or none), for a query that
    confirms a session's copy along with what it reads: `Exists(live_session(key, text))`."""
    return Session.objects.filter(session_key=session_key, session_data=session_data, expire_date__gt=Now())


class SessionStore(cached_db.SessionStore):
    """`cached_db` whose copy from the cache waits for the database's word (see the module)."""

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self.awaiting_confirmation = False  # the data came from this process's cache and is not confirmed yet
        self.stored_text = None  # the database's `session_data` of the data loaded or saved

    def load(self):
        try:
            kept = self._cache.get(self.cache_key)
        except Exception:  # as cached_db: a key the cache refuses is no session
            kept = None
        if not (isinstance(kept, tuple) and len(kept) == 2):
            return self._load_from_database()
        data, self.stored_text = kept
        self.awaiting_confirmation = True
        return data

    def _load_from_database(self) -> dict:
        row = self._get_session_from_db()  # none: expired or gone, and the key dropped
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._keep(data, row.session_data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def _keep(self, data: dict, text: str, seconds: int) -> None:
        self.stored_text = text
        try:
            self._cache.set(self.cache_key, (data, text), seconds)
        except Exception:  # as cached_db: the database has it, the copy is only a shortcut
            cached_db.logger.exception("Error saving to cache (%s)", self._cache)

    async def aload(self):
        return await DatabaseStore.aload(self)  # asynchronous code reads the database every time

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        self.stored_text = row.session_data
        return row

    def save(self, must_create=False):
        DatabaseStore.save(self, must_create)
        if self.session_key is not None:
            self._keep(self._session, self.stored_text, self.get_expiry_age())

    def _get_session(self, no_load=False):
        data = SessionBase._get_session(self, no_load)
        if self.awaiting_confirmation and not self.confirm():
            data = self._session_cache
        return data

    _session = property(_get_session)

    def unconfirmed(self) -> dict:
        """The session's data without confirming a copy from the cache: only for a caller that confirms it in its
        own query (`live_session(self.session_key, self.stored_text)`) and then calls `confirmed()`, or
        `confirm()` if that query found nothing."""
        return SessionBase._get_session(self)

    def confirmed(self) -> None:
        """The caller's query found this copy in the database."""
        self.awaiting_confirmation = False

    def confirm(self) -> bool:
        """Whether the database still holds this copy of the session; if not, the copy is dropped and the session
        read from the database again (its newer data, or none: no key, as for a session it never had)."""
        if not self.awaiting_confirmation:
            return True
        self.awaiting_confirmation = False
        using = router.db_for_read(Session)
        if _LIVE_SESSION.first(self.session_key, self.stored_text, using=using) is not None:
            return True
        self._cache.delete(self.cache_key)
        self._session_cache = self._load_from_database()
        return False
