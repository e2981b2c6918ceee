"""Which open user streams must end because their user was deleted or their session ended.

An access token stays valid until its `exp`, up to an hour; a stream opened with it must not.
Every CHECK_SECONDS the hub's listener asks, in one query for all of the process's user streams,
which (user, session) pairs are gone: the user's `auth.users` row was deleted, or the token's
session (its `session_id` claim) was deleted from `auth.sessions`, as sign-out (`/auth/v1/logout`)
does. Those streams end; their clients reconnect, and are refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

import psycopg

from chirp.queries import QUERIES

CHECK_SECONDS = 2.0


def session_of(claims: dict) -> uuid.UUID | None:
    """The token's session id (Supabase Auth's `session_id` claim), None without a valid one."""
    try:
        return uuid.UUID(str(claims["session_id"]))
    except (KeyError, ValueError):
        return None


class Revocation:
    """Remembers when it last checked, so that the listener asks at most once per CHECK_SECONDS."""

    def __init__(self):
        """The first check is due CHECK_SECONDS from now."""
        self.checked_at = time.monotonic()

    def due(self) -> bool:
        """Whether CHECK_SECONDS have passed since the last check."""
        return time.monotonic() - self.checked_at >= CHECK_SECONDS

    def ended(self, connection: psycopg.Connection,
              pairs: Iterable[tuple[uuid.UUID, uuid.UUID | None]]) -> set[tuple[uuid.UUID, uuid.UUID | None]]:
        """Of the (user, session) pairs of open streams, those that must end now."""
        self.checked_at = time.monotonic()
        pairs = list(set(pairs))
        if not pairs:
            return set()
        rows = connection.execute(QUERIES["ended_stream_sessions"], {
            "user_ids": [user_id for user_id, _ in pairs],
            "session_ids": [session_id for _, session_id in pairs],
        })
        return {(row["user_id"], row["session_id"]) for row in rows}
