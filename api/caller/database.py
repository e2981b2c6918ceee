"""Connection pools and the one place that opens a request's transaction as its caller.

Per request, one transaction first runs `set_config('role', ...)` and `set_config('request.jwt.claims',
...)` with `is_local = true`, as Supabase's REST layer does: row level security decides, and both
settings end with the transaction, so nothing leaks to the next request on that connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator

import flask
import psycopg
import psycopg_pool
from psycopg.rows import dict_row

from api.caller.pooler import PoolerCheck
from api.caller.tokens import Identity, current_identity
from api.http.errors import BUSY_DETAIL, MISCONFIGURED, PREPARED_STATEMENT_ERRORS, ServiceUnavailable
from chirp import connections
from chirp.pools import Pool, PoolBusy
from chirp.settings import Settings

# A request waits at most this long for a connection, so a dead database answers 503 quickly.
POOL_WAIT_SECONDS = 1.0
# libpq's own bound on opening one connection (its minimum useful value is 2).
# A pool gives up reconnecting after this long without the database, and retries on demand.
RECONNECT_TIMEOUT_SECONDS = 3600.0
# The caller's role and claims, and the transaction's statement_timeout, in the one round trip.
SET_CALLER = (
    "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true), "
    "set_config('statement_timeout', %s, true)"
)
# The request's transaction, sent by `Database._pipelined` itself.
BEGIN, COMMIT = "begin", "commit"
OPEN_TRANSACTION = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)
# A GET waits at most this long for a replica connection before it reads from the primary instead.
REPLICA_WAIT_SECONDS = 0.25
# After a replica failure, reads go to the primary for this long before the replica is tried again.
REPLICA_RETRY_SECONDS = 5.0

logger = logging.getLogger(__name__)
# Where init_app keeps the pools in `app.extensions`.
EXTENSION = "database"


class Database:
    """The primary pool and, when `DATABASE_READ_URL` is set, a second pool for GET requests."""

    def __init__(self, settings: Settings):
        """Open the pools in the background: the process starts even while the database is down."""
        self.settings = settings
        # time.monotonic() until which reads skip the replica (it failed recently).
        self.replica_down_until = 0.0
        self.primary = self._pool(settings.database_url, "primary")
        self.replica = (
            self._pool(settings.database_read_url, "replica") if settings.database_read_url else None
        )
        # Prepared statements behind a transaction-mode pooler fail, or worse: check each database once.
        self.pooler_checks = {}
        if settings.prepared_statements:
            self.pooler_checks[self.primary] = PoolerCheck(settings.database_url, "primary")
            if self.replica is not None:
                self.pooler_checks[self.replica] = PoolerCheck(settings.database_read_url, "replica")

    def _pool(self, conninfo: str, name: str) -> Pool:
        """A pool sized for one gunicorn worker's threads, opened without waiting for the database."""
        connection_options = connections.connection_options(self.settings.prepared_statements, row_factory=dict_row)
        # WEB_THREADS connections (the requests one gevent worker runs against the database at once),
        # opened up front: a burst never waits for connections to be made.
        pool = Pool(
            conninfo,
            min_size=self.settings.web_threads,
            max_size=self.settings.web_threads,
            timeout=POOL_WAIT_SECONDS,
            reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
            kwargs=connection_options,
            name=name,
            open=False,
        )
        pool.open(wait=False)
        return pool

    def close(self) -> None:
        """Close both pools (tests, shutdown)."""
        self.primary.close()
        if self.replica is not None:
            self.replica.close()

    @contextlib.contextmanager
    def transaction(self, identity: Identity, read_only: bool = False) -> Iterator[psycopg.Connection]:
        """One transaction as `identity`; committed on success, rolled back on any exception.

        A read goes to the replica when there is one and it has not failed in the last
        REPLICA_RETRY_SECONDS; one that cannot reach it reads from the primary instead.
        """
        with unavailable_as_503():
            if read_only and self.replica is not None and time.monotonic() >= self.replica_down_until:
                started = False
                try:
                    self._require_unpooled(self.replica)
                    with self.replica.connection(timeout=REPLICA_WAIT_SECONDS) as connection, \
                            self._pipelined(connection) as pipeline:
                        self._set_caller(connection, identity)
                        # The replica answers before the view runs (a round trip of its own), so that
                        # one that cannot sends this read to the primary rather than failing it.
                        pipeline.sync()
                        started = True
                        yield connection
                    return
                except (psycopg_pool.PoolTimeout, psycopg.OperationalError) as error:
                    if started:
                        raise
                    self._replica_failed(error)
            self._require_unpooled(self.primary)
            with self.primary.connection() as connection, self._pipelined(connection):
                self._set_caller(connection, identity)
                yield connection

    @staticmethod
    @contextlib.contextmanager
    def _pipelined(connection: psycopg.Connection) -> Iterator[psycopg.Pipeline]:
        """The request's transaction in pipeline mode: two round trips.

        BEGIN and the caller's settings wait in the pipeline and go out with the request's first
        statement, whose result the view fetches (the first round trip); COMMIT and the pipeline's
        Sync go out when the block ends (the second). An error of a statement whose result the view
        never fetched surfaces there, and the transaction is rolled back.

        BEGIN and COMMIT are the block's own statements, on a connection in autocommit for its
        duration: psycopg's `transaction()` inside a pipeline waits for BEGIN's answer, and for a
        Sync of each pipeline it nests, before the first statement goes out: five round trips.
        """
        connection.autocommit = True
        try:
            with connection.pipeline() as pipeline:
                connection.execute(BEGIN)
                yield pipeline
                connection.execute(COMMIT)
        finally:
            _back_to_idle(connection)

    def _require_unpooled(self, pool: psycopg_pool.ConnectionPool) -> None:
        """503 while prepared statements are on behind a transaction-mode pooler (see api/pooler.py)."""
        check = self.pooler_checks.get(pool)
        if check is not None:
            check.require_unpooled()

    def _set_caller(self, connection: psycopg.Connection, identity: Identity) -> None:
        """Become the caller for this transaction, with the API's statement timeout."""
        connection.execute(SET_CALLER, (identity.role, json.dumps(identity.claims),
                                        str(self.settings.statement_timeout_ms)))

    def _replica_failed(self, error: Exception) -> None:
        """Read from the primary for a while; the replica's pool drops its dead connections and reconnects."""
        if time.monotonic() >= self.replica_down_until:
            logger.warning("replica unavailable, reading from the primary",
                           extra={"seconds": REPLICA_RETRY_SECONDS, "error": str(error)})
        self.replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        # A restarted replica leaves every pooled connection dead: find them all now, not one
        # failed read (and one more wait) each.
        self.replica.check()

    @contextlib.contextmanager
    def owner_transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction as the pool's own login role, for operations endpoints only."""
        self._require_unpooled(self.primary)
        with unavailable_as_503(), self.primary.connection() as connection:
            yield connection


def _back_to_idle(connection: psycopg.Connection) -> None:
    """Roll back what an error left open and leave autocommit, as the pool lends its connections.

    A connection that cannot get there is closed: the pool then replaces it, rather than lend a
    connection in autocommit or in a transaction to the next request.
    """
    if connection.closed:
        return
    try:
        if connection.info.transaction_status in OPEN_TRANSACTION:
            connection.rollback()
        connection.autocommit = False
    except psycopg.Error:
        connection.close()


@contextlib.contextmanager
def unavailable_as_503() -> Iterator[None]:
    """Turn "cannot reach the database" and a statement timeout into ServiceUnavailable; others pass."""
    try:
        yield
    except PREPARED_STATEMENT_ERRORS as error:
        # A transaction-mode pooler hands each transaction any server connection: a statement
        # prepared on one is missing (or already there) on the next. The operator's mistake, not
        # the client's: say which setting fixes it, in one line.
        logger.error("prepared statement error behind a transaction-mode pooler? set "
                     "DATABASE_PREPARED_STATEMENTS=false", extra={"error": f"{type(error).__name__}: {error}"})
        raise ServiceUnavailable(MISCONFIGURED) from None
    except psycopg.errors.QueryCanceled as error:
        raise ServiceUnavailable("the request took longer than the database allows; retry shortly") from error
    except PoolBusy as error:
        raise ServiceUnavailable(BUSY_DETAIL) from error
    except (psycopg_pool.PoolTimeout, psycopg.OperationalError) as error:
        raise ServiceUnavailable() from error


def init_app(app: flask.Flask, settings: Settings) -> Database:
    """Attach the pools to `app` (one set per gunicorn worker: workers import the app after fork)."""
    database = Database(settings)
    app.extensions[EXTENSION] = database
    return database


def of(app) -> Database | None:
    """The pools attached to `app`, or None before `init_app`."""
    return getattr(app, "extensions", {}).get(EXTENSION)


def get_database() -> Database:
    """The current app's pools."""
    return flask.current_app.extensions[EXTENSION]


def caller_transaction(read_only: bool = False):
    """The current request's transaction as its caller; GETs pass `read_only` to use the replica."""
    return get_database().transaction(current_identity(), read_only=read_only)
