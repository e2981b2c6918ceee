"""Trending hashtags of the last 24 hours, from the consumer's hourly counts."""

from __future__ import annotations

import flask

from api.caller.database import caller_transaction
from chirp.queries import QUERIES

blueprint = flask.Blueprint("trends", __name__)

TRENDS_SHOWN = 10


@blueprint.get("/trends")
def trends():
    """The top hashtags (lower case) by use over the current hour and the 23 before it."""
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["trending_hashtags"], {"limit": TRENDS_SHOWN}).fetchall()
    return {"data": [{"tag": row["tag"], "count": row["count"]} for row in rows]}
