"""Bookmarks: tweets kept for later, private to whoever kept them (/tweets/{id}/bookmark, /me/bookmarks)."""

from __future__ import annotations

import uuid

import flask

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import pages
from api.resources import marks, representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("bookmarks", __name__)


@blueprint.post("/tweets/<uuid:tweet_id>/bookmark")
def bookmark(tweet_id: uuid.UUID):
    """Bookmark a tweet; bookmarking it again changes nothing (200 both times)."""
    identity = require_user()
    return marks.mark("bookmark_tweet", "bookmarks", identity.user_id, tweet_id)


@blueprint.delete("/tweets/<uuid:tweet_id>/bookmark")
def unbookmark(tweet_id: uuid.UUID):
    """Remove a bookmark; 204 whether or not there was one, 404 when the tweet does not exist."""
    identity = require_user()
    marks.unmark("unbookmark_tweet", identity.user_id, tweet_id)
    return "", 204


@blueprint.get("/me/bookmarks")
def list_bookmarks():
    """The caller's bookmarked tweets, newest bookmark first, a page at a time."""
    identity = require_user()
    request = pages.page_request("bookmarks", identity.user_id)
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["bookmarks_page"],
                                  {**request.parameters(), "user_id": identity.user_id}).fetchall()
    return pages.page(rows, request, representations.tweet)
