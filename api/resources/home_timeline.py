"""The home timeline: the entries the consumer wrote ahead, and the merge for what lies before them.

A user's `home_timeline` holds every entry at or after their horizon (no horizon: all of it); older
entries were trimmed or never backfilled. A page at or after the horizon reads one range of it (plus
the caller's own tweets and their pulled authors'); the part of a page before the horizon comes from
the merge over every followee's tweets, which is always right and costs more per followee.
"""

from __future__ import annotations

import uuid

import psycopg

from api.http.pages import PageRequest
from chirp.queries import QUERIES


def rows(connection: psycopg.Connection, user_id: uuid.UUID, request: PageRequest) -> list[dict]:
    """Up to `limit + 1` rows of the caller's home timeline before the request's cursor, newest first."""
    parameters = {**request.parameters(), "user_id": user_id}
    page = connection.execute(QUERIES["home_timeline_page"], parameters).fetchall()
    found = [row for row in page if row["id"] is not None]
    wanted = parameters["limit"] - len(found)
    if wanted > 0 and page[0]["horizon_found"]:
        # Past the kept window: the rest of the page from the merge, strictly before the horizon.
        horizon = (page[0]["horizon_created_at"], page[0]["horizon_tweet_id"])
        older_than = min((request.before_created_at, request.before_id), horizon)
        found += connection.execute(QUERIES["timeline_page"], {
            **parameters, "limit": wanted,
            "before_created_at": older_than[0], "before_id": older_than[1],
        }).fetchall()
    return found
