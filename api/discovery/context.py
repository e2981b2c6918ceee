"""GET /tweets/{id}/context: the tweets a tweet replies to, and the replies under it."""

from __future__ import annotations

import uuid

import flask

from api.caller.database import caller_transaction
from api.http.errors import NotFound
from api.resources import representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("context", __name__)

# The nearest ancestors shown (a longer chain starts at the 100th parent up).
ANCESTORS_LIMIT = 100
# Replies shown under a tweet, nearest levels first: the contract asks for at least 100.
DESCENDANTS_LIMIT = 200


@blueprint.get("/tweets/<uuid:tweet_id>/context")
def context(tweet_id: uuid.UUID):
    """Ancestors oldest first and descendants in conversation order, to anyone who can read the tweet."""
    with caller_transaction(read_only=True) as connection:
        visible = connection.execute(QUERIES["tweet_visible"], {"tweet_id": tweet_id}).fetchone()
        if not visible["visible"]:
            raise NotFound("no such tweet")
        ancestors = connection.execute(QUERIES["tweet_ancestors"],
                                       {"tweet_id": tweet_id, "limit": ANCESTORS_LIMIT}).fetchall()
        descendants = connection.execute(QUERIES["tweet_descendants"],
                                         {"tweet_id": tweet_id, "limit": DESCENDANTS_LIMIT}).fetchall()
    return {"ancestors": [representations.tweet(row) for row in ancestors],
            "descendants": [representations.tweet(row) for row in descendants]}
