"""The home timeline: the entries the consumer wrote ahead, and the merge for what lies before them.

A user's `home_timeline` holds every entry at or after their horizon (no horizon: all of it); older
entries were trimmed or never backfilled. A page at or after the horizon reads one range of it (plus
the caller's own tweets and reposts and their pulled authors'); the part of a page before the
horizon comes from the merge over every followee's tweets and reposts, which is always right and
costs more per followee. Reposts place a tweet at their time; a page shows each tweet once.
"""

from __future__ import annotations

import uuid

import psycopg

from api.http.pages import PageRequest
from api.resources import positions
from chirp.queries import QUERIES


def rows(connection: psycopg.Connection, user_id: uuid.UUID, request: PageRequest) -> list[dict]:
    """Up to `limit + 1` rows of the caller's home timeline before the request's cursor, newest first."""
    return positions.distinct_rows(
        lambda before_created_at, before_id, limit: _rows_before(
            connection, user_id, before_created_at, before_id, limit),
        request)


def _rows_before(connection: psycopg.Connection, user_id: uuid.UUID, before_created_at, before_id,
                 limit: int) -> list[dict]:
    """Up to `limit` timeline rows strictly before that position (a tweet may come twice)."""
    parameters = {"user_id": user_id, "limit": limit,
                  "before_created_at": before_created_at, "before_id": before_id}
    page = connection.execute(QUERIES["home_timeline_page"], parameters).fetchall()
    found = [row for row in page if row["id"] is not None]
    wanted = limit - len(found)
    if wanted > 0 and page[0]["horizon_found"]:
        # Past the kept window: the rest of the page from the merge, strictly before the horizon.
        horizon = (page[0]["horizon_created_at"], page[0]["horizon_tweet_id"])
        older_than = min((before_created_at, before_id), horizon)
        found += connection.execute(QUERIES["timeline_page"], {
            **parameters, "limit": wanted,
            "before_created_at": older_than[0], "before_id": older_than[1],
        }).fetchall()
    return found
