"""Django's PostgreSQL backend, with a health check that needs no round trip while the connection is quiet.

With CONN_HEALTH_CHECKS Django runs `SELECT 1` before the first query of every request, so that a connection
the server has ended (a restart, `idle_session_timeout`, a terminated backend) is replaced rather than failing
the request: a round trip per request, 2 of the 13 of a portal report with its list. An idle connection gets
nothing from the server unless the server ends it: then the server's goodbye (an error message, or the socket's
end) is waiting on the socket. So when the connection is idle, in no transaction, and nothing is waiting on its
socket, it is healthy without asking; anything else (something to read, a transaction left open, a bad status)
gets Django's `SELECT 1` as before. A network that drops packets without a word is noticed by neither check:
`SELECT 1` would hang on it just the same.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
