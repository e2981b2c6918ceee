"""GET /search/tweets and GET /search/users: PostgreSQL's own full text search and prefix ranges."""

from __future__ import annotations

import uuid

import flask
import psycopg

from api.caller.database import caller_transaction
from api.http import pages, validation
from api.http.errors import BadRequest, UnprocessableContent
from api.resources import representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("search", __name__)

# Ranks of a profile match, best first: username prefix, full name prefix, contained elsewhere.
RANK_QUERIES = ("people_by_username_prefix", "people_by_full_name_prefix", "people_containing")
RANKS = range(len(RANK_QUERIES))
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
        rows = matching_tweets(connection, q, request.parameters())
    return pages.page(rows, request, representations.tweet)


def matching_tweets(connection: psycopg.Connection, q: str, page_parameters: dict) -> list[dict]:
    """A page of tweets matching `q` (public.matching_tweet_ids plans its statement for these words
    each time, so this one may be prepared)."""
    return connection.execute(QUERIES["search_tweets_page"], {**page_parameters, "q": q}).fetchall()


@blueprint.get("/search/users")
def search_users():
    """Profiles whose username or full name starts with `q`, then those containing it."""
    q = search_query()
    limit, scope, after = pages.position_request("search_users", q, _users_position)
    with caller_transaction(read_only=True) as connection:
        found = matching_people(connection, q, after or FIRST_USERS_POSITION, limit + 1)
        rows = connection.execute(QUERIES["profiles_by_ids"], {"ids": [profile_id for _, profile_id in found]})
        profiles = {row["id"]: row for row in rows}
    shown = [(rank, profile_id) for rank, profile_id in found[:limit] if profile_id in profiles]
    next_cursor = None
    if len(found) > limit:
        next_cursor = pages.encode_cursor("search_users", scope, *found[limit - 1])
    return {"data": [representations.profile(profiles[profile_id]) for _, profile_id in shown],
            "next_cursor": next_cursor}


def matching_people(connection: psycopg.Connection, q: str, after: tuple[int, uuid.UUID], wanted: int
                    ) -> list[tuple[int, uuid.UUID]]:
    """Up to `wanted` (rank, profile id) after the position `after`, asking each rank in turn so that a
    page filled by prefixes never walks the profiles for names that merely contain `q`."""
    after_rank, after_id = after
    found: list[tuple[int, uuid.UUID]] = []
    for rank in RANKS[after_rank:]:
        start = after_id if rank == after_rank else FIRST_USERS_POSITION[1]
        rows = connection.execute(QUERIES[RANK_QUERIES[rank]],
                                  {"q": q, "after_id": start, "limit": wanted - len(found)}).fetchall()
        found += [(rank, row["id"]) for row in rows]
        if len(found) >= wanted:
            break
    return found


def _users_position(values: list) -> tuple[int, uuid.UUID]:
    """A users-search cursor's position: a rank and a profile id (ValueError otherwise)."""
    rank, profile_id = values
    if not isinstance(rank, int) or rank not in RANKS:
        raise ValueError("no such rank")
    return rank, uuid.UUID(profile_id)
