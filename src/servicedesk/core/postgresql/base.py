"""Django's PostgreSQL backend, with a health check that needs no round trip while the connection is quiet.

With CONN_HEALTH_CHECKS Django runs `SELECT 1` before the first query of every request, so that a connection
the server has ended (a restart, `idle_session_timeout`, a terminated backend) is replaced rather than failing
the request: a round trip per request, 2 of the 13 of a portal report with its list. An idle connection gets
nothing from the server unless the server ends it: then the server's goodbye (an error message, or the socket's
end) is waiting on the socket. So when the connection is idle, in no transaction, and nothing is waiting on its
socket, it is healthy without asking; anything else (something to read, a transaction left open, a bad status)
gets Django's `SELECT 1` as before. A network that drops packets without a word is noticed by neither check:
`SELECT 1` would hang on it just the same.

Timestamps are read by psycopg's own loader (C, with psycopg[binary]) where Django would register a subclass of
psycopg's pure-Python one: 3 us instead of 0.2 for every `timestamptz` value read, 52 of them in a portal list
page. Django's loader parses the value in the session's time zone and then labels it with the connection's
(`datetime.timezone.utc` unless the database has a TIME_ZONE of its own); Django sets the session's time zone to
UTC, in which psycopg's loader gives the same aware UTC datetimes. So it is used exactly when Django's time zone
for the connection is UTC; otherwise Django's loader stays.

Choices (Django's TextChoices, our StrEnums) are sent as the str or int they are, but psycopg finds the dumper of
a subclass by walking its MRO and formatting class names on every value (its map only knows `str` and `int`):
about 3 us a value, ten of them in a reported ticket's rows. The enumerations loaded when the first connection
is made get the dumpers that walk finds, registered for them directly.
"""

from __future__ import annotations

import datetime
import enum
import select
from functools import cache

from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import adapt, adapters, pq
from psycopg.adapt import PyFormat

UTC = datetime.UTC


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["context"] = connection_adapters(params["context"], utc=self.timezone is UTC)
        return params

    @async_unsafe
    def create_cursor(self, name=None):
        if self.timezone is not UTC:
            return super().create_cursor(name)
        # Django's, without its check of the timestamp loader's time zone (psycopg's loader has no such
        # attribute; the session is in UTC, see above).
        if not name:
            return self.connection.cursor()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(
                self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
            )
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def quiet(connection) -> bool:
    """True when a psycopg connection is open, idle outside a transaction, and the server has sent nothing."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    readable, _, _ = select.select([pgconn.socket], [], [], 0)
    return not readable


@cache
def connection_adapters(django_adapters: adapt.AdaptersMap, *, utc: bool) -> adapt.AdaptersMap:
    """Django's adapters (`get_adapters_template`: made once per setting) with the enumerations' dumpers and, in
    UTC, psycopg's own `timestamptz` loader back in place."""
    context = adapt.AdaptersMap(django_adapters)
    if utc:
        context.register_loader("timestamptz", adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT))
    for cls in _value_enums():
        register_found_dumpers(context, cls)
    return context


def _value_enums() -> list[type]:
    """Every enumeration class loaded now whose members are str or int values."""
    found, todo = [], [enum.Enum]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if issubclass(cls, str | int) and cls not in (str, int):
            found.append(cls)
    return found


def register_found_dumpers(context: adapt.AdaptersMap, cls: type) -> bool:
    """Register for `cls`, in every format, the dumper psycopg finds for it by walking its MRO. `register_dumper`
    sets a dumper for its own format and for AUTO, so AUTO's comes last; the result is checked on a copy first,
    and nothing is registered unless every format gives what it gave before."""
    try:
        found = {fmt: context.get_dumper(cls, fmt) for fmt in PyFormat}
    except Exception:  # no dumper for some format: leave the class to psycopg's own search
        return False
    order = sorted(found.values(), key=lambda dumper: dumper is found[PyFormat.AUTO])
    trial = adapt.AdaptersMap(context)
    for dumper in order:
        trial.register_dumper(cls, dumper)
    if any(trial.get_dumper(cls, fmt) is not dumper for fmt, dumper in found.items()):
        return False
    for dumper in order:
        context.register_dumper(cls, dumper)
    return True
