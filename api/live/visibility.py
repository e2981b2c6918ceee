"""What one stream's reader may not see: tweets and notifications of suspended users, and, for a
signed-in reader, of users they block, who block them, or whom they mute (as RLS decides for
the REST API, migrations/*_safety_visibility.sql).

Streams read as the web process's own role, so they apply these rules themselves, in memory: each
stream of a signed-in reader holds the three sets of that reader, read from the database when it
opens and kept up to date by the live events `block`, `unblock`, `mute` and `unmute`; the suspended
users are one set per process, shared by every stream, kept by `suspend` and `reinstate`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from api.live.events import LiveEvent

RELATION_KINDS = ("block", "unblock", "mute", "unmute")
SUSPENSION_KINDS = ("suspend", "reinstate")


class Visibility:
    """One stream's reader's hidden users: the process's suspended set and the reader's relations."""

    def __init__(self, reader_id: uuid.UUID | None, suspended: set[uuid.UUID]):
        """`reader_id` is None for an anonymous reader; `suspended` is the hub's, shared."""
        self.reader_id = reader_id
        self.suspended = suspended
        self.blocking: set[uuid.UUID] = set()
        self.blocked_by: set[uuid.UUID] = set()
        self.muting: set[uuid.UUID] = set()

    def hides(self, user_id: uuid.UUID | None) -> bool:
        """Whether the reader may not see what `user_id` posts or does."""
        return user_id is not None and (
            user_id in self.suspended or user_id in self.blocking
            or user_id in self.blocked_by or user_id in self.muting)

    def add(self, blocking: Iterable[uuid.UUID], blocked_by: Iterable[uuid.UUID],
            muting: Iterable[uuid.UUID]) -> None:
        """Add what the database says; a union, so that events applied meanwhile are not undone
        (an unblock applied before a read that predates it leaves the user hidden: the safe side)."""
        self.blocking.update(blocking)
        self.blocked_by.update(blocked_by)
        self.muting.update(muting)

    def apply(self, event: LiveEvent) -> None:
        """Apply a block, unblock, mute or unmute that concerns this reader (either side of a block)."""
        if event.kind in ("block", "unblock"):
            if event.user_id == self.reader_id:
                hidden, other = self.blocking, event.target_id
            else:
                hidden, other = self.blocked_by, event.user_id
        elif event.user_id == self.reader_id:
            hidden, other = self.muting, event.target_id
        else:
            return  # a mute is not the muted user's business
        if event.kind in ("block", "mute"):
            hidden.add(other)
        else:
            hidden.discard(other)
