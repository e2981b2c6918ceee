"""Tweets: create (with Idempotency-Key), read, delete, list, the home timeline, likes."""

from __future__ import annotations

import re
import uuid

import flask
import psycopg
from psycopg import errors as database_errors

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import pages, validation
from api.http.errors import BadRequest, Conflict, Forbidden, NotFound, UnprocessableContent
from api.resources import home_timeline, marks, representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("tweets", __name__)

# Printable ASCII, as the IETF Idempotency-Key draft and Stripe's keys use.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@blueprint.post("/tweets")
@blueprint.post("/tweet")
def create_tweet():
    """Create a tweet as the caller: 201 with Location; a repeated Idempotency-Key returns the first."""
    identity = require_user()
    body = validation.json_body()
    validation.unknown_fields(body, {"content", "reply_to_id", "quote_of_id"})
    fields = {
        "user_id": identity.user_id,
        "content": validation.tweet_content(body.get("content")),
        "reply_to_id": _optional_uuid(body, "reply_to_id"),
        "quote_of_id": _optional_uuid(body, "quote_of_id"),
    }
    key = idempotency_key()
    with caller_transaction() as connection:
        row = _create_once(connection, fields, key)
    response = flask.jsonify(representations.tweet(row))
    response.status_code = 201
    response.headers["Location"] = f"/tweets/{row['id']}"
    return response


def _optional_uuid(body: dict, field: str) -> uuid.UUID | None:
    """An optional uuid field of the body: absent or null gives None."""
    value = body.get(field)
    return None if value is None else validation.uuid_field(value, field)


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, checked; None when absent."""
    key = flask.request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise BadRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
    return key


def _create_once(connection, fields: dict, key) -> dict:
    """Insert the tweet, unless `key` already created one in the last 24 hours: then that one's row.

    The key's record is kept by SECURITY DEFINER functions (the caller is auth.uid()); past a user's
    bound of live keys the claim raises PT429, which the error handler answers with 429.
    """
    parameters = {"key": key}
    if key is not None:
        try:
            claimed = connection.execute(QUERIES["claim_idempotency_key"], parameters).fetchone()
        except database_errors.ForeignKeyViolation:
            raise UnprocessableContent(marks.PROFILE_REQUIRED) from None
        if not claimed["claimed"]:
            return _earlier_tweet(connection, parameters)
    row = _insert_tweet(connection, fields)
    if key is not None:
        connection.execute(QUERIES["remember_idempotent_tweet"], {**parameters, "tweet_id": row["id"]})
    return row


def _earlier_tweet(connection, parameters: dict) -> dict:
    """The tweet an Idempotency-Key created before; 409 when that tweet was deleted since."""
    earlier = connection.execute(QUERIES["idempotent_tweet"], parameters).fetchone()
    row = None
    if earlier["tweet_id"] is not None:
        row = connection.execute(QUERIES["tweets_by_ids"], {"ids": [earlier["tweet_id"]]}).fetchone()
    if row is None:
        raise Conflict("the tweet created with this Idempotency-Key was deleted")
    return row


def _insert_tweet(connection, fields: dict) -> dict:
    """Insert one tweet and return it; a missing parent, quoted tweet or profile is the client's mistake (422)."""
    try:
        return connection.execute(QUERIES["insert_tweet"], fields).fetchone()
    except database_errors.ForeignKeyViolation as error:
        if error.diag.constraint_name == "tweets_reply_to_id_fkey":
            raise UnprocessableContent("reply_to_id names no tweet") from None
        if error.diag.constraint_name == "tweets_quote_of_id_fkey":
            raise UnprocessableContent("quote_of_id names no tweet") from None
        raise UnprocessableContent(marks.PROFILE_REQUIRED) from None
    except database_errors.CheckViolation as error:
        # validation.tweet_content refuses all of this first; were the database's Unicode tables
        # newer than Python's (NFC of a newly assigned character), it is still the content's fault.
        raise UnprocessableContent(f"content breaks the rule {error.diag.constraint_name}") from None


@blueprint.get("/tweets/<uuid:tweet_id>")
def get_tweet(tweet_id: uuid.UUID):
    """One tweet, to anyone."""
    with caller_transaction(read_only=True) as connection:
        row = connection.execute(QUERIES["tweets_by_ids"], {"ids": [tweet_id]}).fetchone()
    if row is None:
        raise NotFound("no such tweet")
    return representations.tweet(row)


@blueprint.delete("/tweets/<uuid:tweet_id>")
def delete_tweet(tweet_id: uuid.UUID):
    """Delete a tweet: its author only (403 for others, 404 when there is none)."""
    require_user()
    with caller_transaction() as connection:
        deleted = connection.execute(QUERIES["delete_tweet"], {"tweet_id": tweet_id}).fetchone()
        if deleted is None:
            _raise_missing_or_forbidden(connection, tweet_id, "only its author may delete a tweet")
    return "", 204


def _raise_missing_or_forbidden(connection: psycopg.Connection, tweet_id, detail: str) -> None:
    """RLS hid the row: 404 if the tweet does not exist, else 403."""
    exists = connection.execute(QUERIES["tweet_exists"], {"tweet_id": tweet_id}).fetchone()
    if not exists["exists"]:
        raise NotFound("no such tweet")
    raise Forbidden(detail)


@blueprint.get("/tweets")
def list_tweets():
    """All tweets, newest first, a page at a time."""
    request = pages.page_request("tweets")
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES["all_tweets_page"], request.parameters()).fetchall()
    return pages.page(rows, request, representations.tweet)


@blueprint.get("/timeline")
def timeline():
    """The caller's own tweets and reposts and their followees', newest first (see home_timeline)."""
    identity = require_user()
    request = pages.page_request("timeline", identity.user_id)
    with caller_transaction(read_only=True) as connection:
        rows = home_timeline.rows(connection, identity.user_id, request)
    return pages.page(rows, request, representations.tweet)


@blueprint.post("/tweets/<uuid:tweet_id>/like")
def like(tweet_id: uuid.UUID):
    """Like a tweet; liking it again changes nothing (200 both times)."""
    identity = require_user()
    return marks.mark("like_tweet", "likes", identity.user_id, tweet_id)


@blueprint.delete("/tweets/<uuid:tweet_id>/like")
def unlike(tweet_id: uuid.UUID):
    """Take back a like; 204 whether or not there was one, 404 when the tweet does not exist."""
    identity = require_user()
    marks.unmark("unlike_tweet", identity.user_id, tweet_id)
    return "", 204
