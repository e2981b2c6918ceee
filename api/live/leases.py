"""Each user's open streams, counted in the database across every web process and host: leases.

A user stream holds a lease, a row of `public.stream_leases` that expires LEASE_SECONDS after its
last refresh. Taking one counts the user's unexpired leases under a per-user lock, so at most
MAX_STREAMS_PER_USER are open at once wherever they are served. The process that serves a stream
refreshes its leases every REFRESH_SECONDS (the hub's listener does, between reads) and deletes a
stream's lease when the stream ends; a process that crashes stops refreshing, so its streams stop
counting within LEASE_SECONDS. A process that already holds a user's whole allowance refuses the
next one without asking: a burst of a thousand requests from one user must not queue on that
user's lock in the database, holding every pooled connection while other users wait.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid

import psycopg

from chirp.queries import QUERIES

MAX_STREAMS_PER_USER = 20
LEASE_SECONDS = 30
REFRESH_SECONDS = 5.0


class Leases:
    """The leases this process holds, taken, refreshed and released on connections it is given."""

    def __init__(self):
        """Hold none; the first refresh is due REFRESH_SECONDS from now."""
        self.held: dict[uuid.UUID, uuid.UUID] = {}  # lease id -> user id
        self.held_by_user: collections.Counter[uuid.UUID] = collections.Counter()
        self.lock = threading.Lock()
        self.refreshed_at = time.monotonic()

    def full_here(self, user_id: uuid.UUID) -> bool:
        """Whether this process alone holds all of `user_id`'s allowance (no need to ask the database)."""
        with self.lock:
            return self.held_by_user[user_id] >= MAX_STREAMS_PER_USER

    def take(self, connection: psycopg.Connection, user_id: uuid.UUID) -> uuid.UUID | None:
        """A new lease for one of `user_id`'s streams (within the caller's transaction), or None
        when they already hold MAX_STREAMS_PER_USER."""
        if self.full_here(user_id):
            return None
        lease_id = uuid.uuid4()
        row = connection.execute(QUERIES["take_stream_lease"], {
            "lease_id": lease_id, "user_id": user_id, "lease_seconds": LEASE_SECONDS,
            "max_streams": MAX_STREAMS_PER_USER,
        }).fetchone()
        if not row["taken"]:
            return None
        with self.lock:
            self.held[lease_id] = user_id
            self.held_by_user[user_id] += 1
        return lease_id

    def forget(self, lease_id: uuid.UUID) -> None:
        """Stop refreshing `lease_id` (its stream ended, or never started): it expires by itself."""
        with self.lock:
            user_id = self.held.pop(lease_id, None)
            if user_id is not None:
                self.held_by_user[user_id] -= 1
                if not self.held_by_user[user_id]:
                    del self.held_by_user[user_id]

    def release(self, connection: psycopg.Connection, lease_id: uuid.UUID) -> None:
        """Delete `lease_id` now, so that its user may open another stream at once."""
        self.forget(lease_id)
        connection.execute(QUERIES["release_stream_lease"], {"lease_id": lease_id})

    def refresh_if_due(self, connection: psycopg.Connection) -> None:
        """Extend every lease held here, at most once per REFRESH_SECONDS (on an autocommit connection)."""
        if time.monotonic() - self.refreshed_at < REFRESH_SECONDS:
            return
        with self.lock:
            lease_ids = list(self.held)
        connection.execute(QUERIES["refresh_stream_leases"],
                           {"lease_ids": lease_ids, "lease_seconds": LEASE_SECONDS})
        self.refreshed_at = time.monotonic()
