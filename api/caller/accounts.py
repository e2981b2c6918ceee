"""Whether a verified token's user still exists: a deleted user's unexpired token is a 401.

An access token stays valid until its `exp` (an hour), so its signature alone cannot tell that its
user was deleted. Each process asks `auth.users` at most once per EXISTENCE_CACHE_SECONDS per user
(one short query, on the request pool), so a deleted user's token stops working within that long.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid

import flask

from api.http.errors import Unauthorized
from chirp.queries import QUERIES

EXTENSION = "existing_users"
EXISTENCE_CACHE_SECONDS = 5.0
EXISTENCE_CACHE_ENTRIES = 4096


class ExistingUsers:
    """A bounded memory of which user ids exist, each answer trusted for EXISTENCE_CACHE_SECONDS."""

    def __init__(self, database):
        """Ask through `database` (an api.caller.database.Database) as its own login role."""
        self.database = database
        self.answers: collections.OrderedDict[uuid.UUID, tuple[bool, float]] = collections.OrderedDict()
        self.lock = threading.Lock()
        # One question per user at a time: a burst of one user's requests waits for one answer.
        self.asking: dict[uuid.UUID, threading.Lock] = {}

    def require(self, user_id: uuid.UUID) -> None:
        """Pass when `user_id` exists; Unauthorized when it does not (503 when the database cannot say)."""
        if not self._exists(user_id):
            raise Unauthorized("this token's user no longer exists")

    def _remembered(self, user_id: uuid.UUID) -> bool | None:
        """The remembered answer while fresh, else None."""
        with self.lock:
            answer = self.answers.get(user_id)
        if answer is not None and time.monotonic() - answer[1] < EXISTENCE_CACHE_SECONDS:
            return answer[0]
        return None

    def _exists(self, user_id: uuid.UUID) -> bool:
        """The remembered answer while fresh, else the database's (asked once for concurrent callers)."""
        remembered = self._remembered(user_id)
        if remembered is not None:
            return remembered
        with self.lock:
            asking = self.asking.setdefault(user_id, threading.Lock())
        try:
            with asking:
                remembered = self._remembered(user_id)
                return self._ask(user_id) if remembered is None else remembered
        finally:
            with self.lock:
                if not asking.locked():
                    self.asking.pop(user_id, None)

    def _ask(self, user_id: uuid.UUID) -> bool:
        """The database's answer, remembered."""
        with self.database.owner_transaction() as connection:
            exists = connection.execute(QUERIES["user_exists"], {"user_id": user_id}).fetchone()["exists"]
        with self.lock:
            self.answers[user_id] = (exists, time.monotonic())
            self.answers.move_to_end(user_id)
            while len(self.answers) > EXISTENCE_CACHE_ENTRIES:
                self.answers.popitem(last=False)
        return exists


def init_app(app: flask.Flask, database) -> None:
    """Attach the existence check to `app`, asking through `database`."""
    app.extensions[EXTENSION] = ExistingUsers(database)
