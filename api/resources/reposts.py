"""Reposts: share someone's tweet with your followers (POST/DELETE /tweets/{id}/repost)."""

from __future__ import annotations

import uuid

import flask

from api.caller.tokens import require_user
from api.resources import marks

blueprint = flask.Blueprint("reposts", __name__)


@blueprint.post("/tweets/<uuid:tweet_id>/repost")
def repost(tweet_id: uuid.UUID):
    """Repost a tweet; reposting it again changes nothing (200 both times)."""
    identity = require_user()
    return marks.mark("repost_tweet", "reposts", identity.user_id, tweet_id)


@blueprint.delete("/tweets/<uuid:tweet_id>/repost")
def unrepost(tweet_id: uuid.UUID):
    """Take back a repost; 204 whether or not there was one, 404 when the tweet does not exist."""
    identity = require_user()
    marks.unmark("unrepost_tweet", identity.user_id, tweet_id)
    return "", 204
