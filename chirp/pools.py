"""The web process's connection pools: psycopg_pool's, made to recover at once and to say why they wait.

Three things psycopg_pool leaves to its user:

- After the database restarts, every idle pooled connection is dead, and psycopg_pool finds that
  out only by handing each one to a request that then fails. A dead connection's socket has
  something to read (the server's goodbye, or end-of-file) while a live idle one has nothing, so
  `Pool` looks before it hands a connection out (one `select`, no round trip) and, on the first dead
  one, sweeps the whole pool (`check()`), so that the next requests wait for fresh connections
  instead of meeting the other dead ones one at a time.
- Its reconnection back-off doubles without bound: after an outage of a minute, the pool would try
  again only a minute or more after the database returned. `Pool` caps the delay between tries.
- A request that waits too long gets one PoolTimeout whether the database is away or the process is
  merely busy. `Pool` raises `PoolBusy` when every connection was in use by other requests, or a
  connection came back alive within the last BUSY_EVIDENCE_SECONDS and none was found dead since
  (under load, many connections are on their way from one request to the next and count as in use
  by nobody), and
  `PoolUnreachable` otherwise, so the API's 503 can say which. A pool may wait longer for a busy
  process than for an unreachable database (`busy_timeout`): a burst passes in seconds, while an
  outage should be answered at once.
"""

from __future__ import annotations

import select
import threading
import time

import psycopg
import psycopg_pool
from psycopg_pool.pool import AddConnection

# The longest wait between two reconnection attempts (psycopg_pool doubles it without bound): well
# under the 1 s a request waits for a connection, so the first requests after an outage are served.
RECONNECT_DELAY_CAP_SECONDS = 0.5
# A connection given back alive this recently shows that the database answers.
BUSY_EVIDENCE_SECONDS = 2.0


class PoolBusy(psycopg_pool.PoolTimeout):
    """No connection in time because every one was in use: the process is too busy."""


class PoolUnreachable(psycopg_pool.PoolTimeout):
    """No connection in time because the pool has none: the database cannot be reached."""


def has_something_to_read(connection: psycopg.Connection) -> bool:
    """Whether an idle connection's socket is readable: the server said goodbye, or closed it."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return True
    return bool(readable)


class Pool(psycopg_pool.ConnectionPool):
    """A ConnectionPool that drops dead connections before handing them out, reconnects promptly,
    and tells a busy process from an unreachable database."""

    def __init__(self, *args, busy_timeout: float | None = None, **kwargs):
        """As ConnectionPool's, and how long in all a request may wait while the pool is busy (at
        least `timeout`); `check` is this pool's own and may not be given."""
        self.busy_timeout = busy_timeout
        self.in_use = 0
        self.in_use_lock = threading.Lock()
        self.returned_alive_at = float("-inf")
        self.found_dead_at = float("-inf")
        self.sweeping = threading.Lock()
        super().__init__(*args, check=self._check_before_use, **kwargs)

    def _check_before_use(self, connection: psycopg.Connection) -> None:
        """Raise for a connection that died while idle (the pool then discards it and tries another)."""
        if not has_something_to_read(connection):
            return
        self.found_dead_at = time.monotonic()
        # Its peers most likely died with it (a database restart): check them all now.
        if self.sweeping.acquire(blocking=False):
            try:
                self.check()
            finally:
                self.sweeping.release()
        self.check_connection(connection)

    def getconn(self, timeout: float | None = None) -> psycopg.Connection:
        """A connection; PoolBusy or PoolUnreachable (both PoolTimeouts) when none comes in time."""
        started = time.monotonic()
        try:
            connection = super().getconn(timeout)
        except psycopg_pool.PoolTimeout as error:
            if not self._busy():
                raise PoolUnreachable(str(error)) from None
            remaining = (self.busy_timeout or 0.0) - (time.monotonic() - started)
            if remaining <= 0:
                raise PoolBusy(str(error)) from None
            try:
                connection = super().getconn(remaining)
            except psycopg_pool.PoolTimeout as last_error:
                raise (PoolBusy if self._busy() else PoolUnreachable)(str(last_error)) from None
        with self.in_use_lock:
            self.in_use += 1
        return connection

    def _busy(self) -> bool:
        """Whether the database answers and the connections are taken (see the module's docstring)."""
        with self.in_use_lock:
            alive_lately = (time.monotonic() - self.returned_alive_at < BUSY_EVIDENCE_SECONDS
                            and self.returned_alive_at > self.found_dead_at)
            return self.in_use >= self.max_size or alive_lately

    def putconn(self, connection: psycopg.Connection) -> None:
        """Give a connection back."""
        with self.in_use_lock:
            self.in_use -= 1
            if connection.broken:
                self.found_dead_at = time.monotonic()
            else:
                self.returned_alive_at = time.monotonic()
        super().putconn(connection)

    def schedule_task(self, task, delay: float) -> None:
        """Schedule as usual, but retry a failed connection attempt within RECONNECT_DELAY_CAP_SECONDS."""
        if isinstance(task, AddConnection):
            delay = min(delay, RECONNECT_DELAY_CAP_SECONDS)
        super().schedule_task(task, delay)
