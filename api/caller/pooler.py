"""Detect a transaction-mode pooler while prepared statements are on, before it serves wrong rows.

Behind PgBouncer's or Supavisor's transaction mode, each transaction may run on another server
connection. psycopg prepares a statement after a few executions and names it per client connection
(`_pg3_0`, ...): on another server connection that name is missing (SQLSTATE 26000), taken
(42P05), or, worst, names another query prepared there by another client. So with
DATABASE_PREPARED_STATEMENTS on, each pool's database is tried once: one client connection runs
a statement, which releases its server connection, and a second one, in a transaction, asks which
server process it got. Directly, or in session mode, never the first one's; in transaction mode,
the first one's (poolers reuse the connection released last). Then every request answers 503 and
one log line names the setting.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from api.http.errors import MISCONFIGURED, ServiceUnavailable

logger = logging.getLogger(__name__)
CHECK_CONNECT_TIMEOUT_SECONDS = 2
CHECK_TRIES = 5


def shares_server_connections(conninfo: str) -> bool:
    """Whether two client connections to `conninfo` get the same server process in turn.

    Tried CHECK_TRIES times: the pooler may hand another client's released connection to the second
    one in between (other traffic), but never, without a pooler, the first one's, which stays open.
    """
    options = {"autocommit": True, "connect_timeout": CHECK_CONNECT_TIMEOUT_SECONDS, "prepare_threshold": None}
    with psycopg.connect(conninfo, **options) as first, psycopg.connect(conninfo, **options) as second:
        for _ in range(CHECK_TRIES):
            released = first.execute("select pg_backend_pid()").fetchone()[0]
            with second.transaction():
                taken = second.execute("select pg_backend_pid()").fetchone()[0]
            if released == taken:
                return True
    return False


class PoolerCheck:
    """Checks a database once (again after a failed try); raises ServiceUnavailable while it is pooled."""

    def __init__(self, conninfo: str, name: str):
        self.conninfo = conninfo
        self.name = name
        self.pooled: bool | None = None
        self.lock = threading.Lock()

    def require_unpooled(self) -> None:
        """Pass when the database is reached without a transaction-mode pooler, else 503."""
        if self.pooled is None:
            with self.lock:
                if self.pooled is None:
                    self._check()
        if self.pooled:
            raise ServiceUnavailable(MISCONFIGURED)

    def _check(self) -> None:
        """Try once; an unreachable database is left to the request (and this checked next time)."""
        try:
            self.pooled = shares_server_connections(self.conninfo)
        except psycopg.OperationalError:
            return
        if self.pooled:
            logger.error("the database is behind a transaction-mode pooler while prepared statements "
                         "are on: set DATABASE_PREPARED_STATEMENTS=false; answering 503", extra={"database": self.name})
