"""A storage for the `limits` library in PostgreSQL itself: the default of RATELIMIT_STORAGE_URI.

Flask-Limiter's counters live in the UNLOGGED table public.rate_limit_counters, one row per limit key,
so a limit holds across every gunicorn worker and every web host with nothing more to run. A hit is
one atomic `insert ... on conflict do update ... returning`, on a small pool of the storage's own
(autocommit: a limit check never waits for, or rolls back with, a request's transaction).

Registered for the `postgresql://` and `postgres://` schemes: with RATELIMIT_STORAGE_URI unset, the
API passes `postgresql://` and the application's own DATABASE_URL as `conninfo`; an explicit
`RATELIMIT_STORAGE_URI=postgresql://...` names another migrated database.
"""

from __future__ import annotations

import threading
import time

import psycopg
import psycopg_pool
from limits.storage import Storage
from psycopg.rows import dict_row

from chirp import connections
from chirp.pools import Pool
from chirp.queries import QUERIES

# A limit check waits at most this long for a connection while the database cannot be reached, and
# at most BUSY_WAIT_SECONDS while every connection is taken; past it the request is refused with
# 503 (api.http.errors). A check is one short statement, so even a burst of a thousand requests at
# once (a thousand streams opening) is counted within a few seconds: refusing them all after one
# second would turn a burst the process can serve into a thousand 503s.
POOL_WAIT_SECONDS = 1.0
BUSY_WAIT_SECONDS = 5.0
RECONNECT_TIMEOUT_SECONDS = 3600.0
# A limit check is one short statement: a few connections serve all of a worker's threads.
MAX_POOL_SIZE = 4
# Expired counters are deleted at most this often per process.
PURGE_INTERVAL_SECONDS = 60.0
# Flask-Limiter reads a limit's count and expiry right after hitting it, for the X-RateLimit-*
# headers; the hit's own answer serves those reads instead of two more round trips.
RECENT_HIT_SECONDS = 1.0


class DatabaseStorage(Storage):
    """Fixed-window counters in public.rate_limit_counters."""

    STORAGE_SCHEME = ["postgresql", "postgres"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, conninfo: str | None = None,
                 pool_size: int = 4, prepared_statements: bool = True, **options):
        """Open the pool in the background: the web process starts even while the database is down."""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        connection_options = connections.connection_options(prepared_statements, autocommit=True, row_factory=dict_row)
        # Opened up front, as the request pool is: a burst never waits for connections to be made
        # (a wait past POOL_WAIT_SECONDS refuses the request).
        size = max(1, min(pool_size, MAX_POOL_SIZE))
        self.pool = Pool(
            conninfo or uri, min_size=size, max_size=size, timeout=POOL_WAIT_SECONDS, busy_timeout=BUSY_WAIT_SECONDS,
            reconnect_timeout=RECONNECT_TIMEOUT_SECONDS, kwargs=connection_options, name="rate-limits",
            open=False,
        )
        self.pool.open(wait=False)
        # Thread-local, hence greenlet-local under gevent: one request's latest hit.
        self.recent = threading.local()
        self.purged_at = time.monotonic()

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        """What a failing database raises; wrapped as StorageError, they refuse the request (503)."""
        return (psycopg.Error, psycopg_pool.PoolTimeout)

    def _query(self, name: str, parameters: dict | None = None) -> list[dict]:
        """The rows of one named query, run on a pooled connection."""
        with self.pool.connection() as connection:
            return connection.execute(QUERIES[name], parameters).fetchall()

    def _execute(self, name: str, parameters: dict | None = None) -> None:
        """Run one named statement that returns no rows."""
        with self.pool.connection() as connection:
            connection.execute(QUERIES[name], parameters)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits to `key` (a new window of `expiry` seconds if none runs); the new count."""
        parameters = {"key": key, "expiry_seconds": expiry, "amount": amount}
        row = self._query("hit_rate_limit", parameters)[0]
        self.recent.hit = (key, row["hits"], row["expires_at"], time.monotonic())
        self._purge_now_and_then()
        return row["hits"]

    def _recent_hit(self, key: str) -> tuple[int, float] | None:
        """This thread's hit of `key` within RECENT_HIT_SECONDS: (hits, expires_at), else None."""
        hit = getattr(self.recent, "hit", None)
        if hit is not None and hit[0] == key and time.monotonic() - hit[3] < RECENT_HIT_SECONDS:
            return hit[1], hit[2]
        return None

    def _counter(self, key: str) -> tuple[int, float]:
        """(hits, expires_at) of `key`: from this request's hit, else from the database."""
        recent = self._recent_hit(key)
        if recent is not None:
            return recent
        row = self._query("rate_limit_counter", {"key": key})[0]
        return row["hits"], row["expires_at"]

    def get(self, key: str) -> int:
        """Hits of `key` in its current window."""
        return self._counter(key)[0]

    def get_expiry(self, key: str) -> float:
        """When the window of `key` ends (epoch seconds)."""
        return self._counter(key)[1]

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            self._query("rate_limit_counter", {"key": ""})
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; how many there were."""
        return self._query("clear_all_rate_limits")[0]["count"]

    def clear(self, key: str) -> None:
        """Forget the counter of `key`."""
        self.recent.hit = None
        self._execute("clear_rate_limit", {"key": key})

    def _purge_now_and_then(self) -> None:
        """Delete expired counters, at most once per PURGE_INTERVAL_SECONDS in this process."""
        if time.monotonic() - self.purged_at >= PURGE_INTERVAL_SECONDS:
            self.purged_at = time.monotonic()
            self._execute("purge_expired_rate_limits")

    def close(self) -> None:
        """Close the pool (tests, shutdown)."""
        self.pool.close()
