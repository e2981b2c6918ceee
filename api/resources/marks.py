"""What likes, reposts and bookmarks share: a row per user and tweet, made and taken back
idempotently, as the caller (RLS decides)."""

from __future__ import annotations

import uuid

from psycopg import errors as database_errors

from api.caller.database import caller_transaction
from api.http.errors import NotFound, UnprocessableContent
from chirp.queries import QUERIES

PROFILE_REQUIRED = "create your profile first (PUT /me)"


def mark(query_name: str, table: str, user_id: uuid.UUID, tweet_id: uuid.UUID) -> dict:
    """Make the caller's row in `table` for a tweet (again: nothing changes); 404 without the tweet."""
    with caller_transaction() as connection:
        try:
            row = connection.execute(QUERIES[query_name], {"user_id": user_id, "tweet_id": tweet_id}).fetchone()
        except database_errors.ForeignKeyViolation as error:
            if error.diag.constraint_name == f"{table}_user_id_fkey":
                raise UnprocessableContent(PROFILE_REQUIRED) from None
            raise NotFound("no such tweet") from None
    return {"user_id": user_id, "tweet_id": tweet_id, "created_at": row and row["created_at"]}


def unmark(query_name: str, user_id: uuid.UUID, tweet_id: uuid.UUID) -> None:
    """Take back the caller's row for a tweet, if any; 404 when the tweet does not exist."""
    with caller_transaction() as connection:
        deleted = connection.execute(QUERIES[query_name], {"user_id": user_id, "tweet_id": tweet_id}).fetchall()
        if not deleted:
            exists = connection.execute(QUERIES["tweet_exists"], {"tweet_id": tweet_id}).fetchone()
            if not exists["exists"]:
                raise NotFound("no such tweet")
