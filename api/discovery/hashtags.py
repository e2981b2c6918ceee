"""GET /hashtags/{tag}/tweets: the tweets carrying a hashtag, newest first."""

from __future__ import annotations

import re

import flask

from api.caller.database import caller_transaction
from api.http import pages
from api.http.errors import NotFound
from api.resources import representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("hashtags", __name__)

# The contract's hashtag without its '#': letters, digits or _, at least one letter; no longer
# than a tweet could hold.
TAG = re.compile(r"(?=\w*[^\W\d_])\w{1,279}")


@blueprint.get("/hashtags/<tag>/tweets")
def hashtag_tweets(tag: str):
    """Tweets carrying `tag`, ignoring case; a tag no tweet could carry names nothing (404)."""
    if not TAG.fullmatch(tag):
        raise NotFound("no such hashtag: a tag is letters, digits or _, with a letter (without '#')")
    request = pages.page_request("hashtag", tag.lower())
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["hashtag_tweets_page"], {**request.parameters(), "tag": tag}).fetchall()
    return pages.page(rows, request, representations.tweet)
