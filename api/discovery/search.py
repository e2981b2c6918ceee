"""GET /search/tweets and GET /search/users: PostgreSQL's own full text search and prefix ranges."""

from __future__ import annotations

import uuid

import flask

from api.caller.database import caller_transaction
from api.http import pages, validation
from api.http.errors import BadRequest, UnprocessableContent
from api.resources import representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("search", __name__)

# Ranks of a profile match: username prefix, full name prefix, contained elsewhere.
RANKS = range(3)
FIRST_USERS_POSITION = (0, uuid.UUID(int=0))


def search_query() -> str:
    """`?q=`, cleaned as tweet text is (NFC, stripped): 1 to 256 characters, else 400."""
    raw = validation.query_parameter("q")
    if raw is None:
        raise BadRequest("q is required: 1 to 256 characters")
    try:
        q = validation.clean_text(raw, "q")
    except UnprocessableContent as refusal:
        raise BadRequest(refusal.detail) from None
    if not 1 <= len(q) <= validation.SEARCH_QUERY_MAX_CHARACTERS:
        raise BadRequest(f"q must be 1 to {validation.SEARCH_QUERY_MAX_CHARACTERS} characters after trimming")
    return q


@blueprint.get("/search/tweets")
def search_tweets():
    """Tweets containing every word of `q` (any order, ignoring case and accents), newest first."""
    q = search_query()
    request = pages.page_request("search_tweets", q)
    if not any(character.isalnum() for character in q):
        # No word to look for (only punctuation or symbols): nothing matches.
        return {"data": [], "next_cursor": None}
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["search_tweets_page"], {**request.parameters(), "q": q}).fetchall()
    return pages.page(rows, request, representations.tweet)


@blueprint.get("/search/users")
def search_users():
    """Profiles whose username or full name starts with `q`, then those containing it."""
    q = search_query()
    limit, scope, after = pages.position_request("search_users", q, _users_position)
    after_rank, after_id = after or FIRST_USERS_POSITION
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["search_users_page"], {
            "q": q, "limit": limit + 1, "after_rank": after_rank, "after_id": after_id}).fetchall()
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = pages.encode_cursor("search_users", scope, shown[-1]["rank"], shown[-1]["id"])
    return {"data": [representations.profile(row) for row in shown], "next_cursor": next_cursor}


def _users_position(values: list) -> tuple[int, uuid.UUID]:
    """A users-search cursor's position: a rank and a profile id (ValueError otherwise)."""
    rank, profile_id = values
    if not isinstance(rank, int) or rank not in RANKS:
        raise ValueError("no such rank")
    return rank, uuid.UUID(profile_id)
