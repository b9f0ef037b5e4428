"""Django's PostgreSQL backend with a health check that costs no round trip when the connection is idle and fine.

Why: CONN_HEALTH_CHECKS tests a persistent connection before its first use in each request, so a PostgreSQL
restart (which kills every connection) never fails a request. Django's test is `SELECT 1`: a round trip per
request, about a seventh of a booking's database round trips (measured with `make bench`). A server that ends a
connection (restart, `pg_terminate_backend`, an idle timeout, a crash: the kernel closes the socket) leaves something to
read on it: the FATAL message, or the end of the stream. So: if the idle socket has nothing to read, the
connection is usable, and no round trip is spent; if it has (a notice can also do that, rarely), Django's own
`SELECT 1` decides. What this cannot see is a peer that vanished without a word (a network partition), which a
`SELECT 1` would only see by hanging on it; PostgreSQL on the same host or LAN is the case served.
"""
import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()
