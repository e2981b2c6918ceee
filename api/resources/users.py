"""Profiles (`/users/{username}`, `/me`), a user's tweets, and following."""

from __future__ import annotations

import flask
from psycopg import errors as database_errors

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import pages, validation
from api.http.errors import Conflict, NotFound, UnprocessableContent
from api.resources import positions, representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("users", __name__)


def user_id_of(connection, username: str):
    """The id behind a username; 404 for a malformed or unknown one (no such user can exist)."""
    if not validation.USERNAME.fullmatch(username):
        raise NotFound("no such user")
    row = connection.execute(QUERIES["user_id_by_username"], {"username": username}).fetchone()
    if row is None:
        raise NotFound("no such user")
    return row["id"]


@blueprint.get("/users/<username>")
def get_user(username: str):
    """A profile with its counters, to anyone."""
    if not validation.USERNAME.fullmatch(username):
        raise NotFound("no such user")
    with caller_transaction(read_only=True) as connection:
        row = connection.execute(QUERIES["profile"], {"user_id": None, "username": username}).fetchone()
    if row is None:
        raise NotFound("no such user")
    return representations.profile(row)


@blueprint.get("/users/<username>/tweets")
def user_tweets(username: str):
    """One user's tweets and reposts, newest first, a page at a time."""
    request = pages.page_request("user_tweets", username)
    with caller_transaction(read_only=True) as connection:
        user_id = user_id_of(connection, username)
        rows = positions.distinct_rows(
            lambda before_created_at, before_id, limit: connection.execute(QUERIES["user_tweets_page"], {
                "user_id": user_id, "limit": limit,
                "before_created_at": before_created_at, "before_id": before_id}).fetchall(),
            request)
    return pages.page(rows, request, representations.tweet)


@blueprint.get("/me")
def get_me():
    """The caller's own profile; 404 until they create it with PUT /me."""
    identity = require_user()
    with caller_transaction(read_only=True) as connection:
        row = connection.execute(QUERIES["profile"], {"user_id": identity.user_id, "username": None}).fetchone()
    if row is None:
        raise NotFound("no profile yet: create it with PUT /me")
    return representations.profile(row)


@blueprint.put("/me")
def put_me():
    """Create or replace the caller's profile; 409 when the username is taken."""
    identity = require_user()
    body = validation.json_body()
    validation.unknown_fields(body, {"username", "full_name", "avatar_url"})
    parameters = {
        "user_id": identity.user_id,
        "username": validation.username(body.get("username")),
        "full_name": validation.optional_text(body, "full_name", validation.FULL_NAME_MAX_CHARACTERS),
        "avatar_url": validation.optional_text(body, "avatar_url", validation.AVATAR_URL_MAX_CHARACTERS),
    }
    with caller_transaction() as connection:
        try:
            # Fetched here: in pipeline mode a refusal surfaces where the result is read.
            connection.execute(QUERIES["upsert_profile"], parameters).fetchone()
        except database_errors.UniqueViolation:
            raise Conflict("username is taken") from None
        except database_errors.ForeignKeyViolation:
            raise UnprocessableContent("the token's user has no account") from None
        row = connection.execute(QUERIES["profile"], {"user_id": identity.user_id, "username": None}).fetchone()
    return representations.profile(row)


@blueprint.post("/users/<username>/follow")
def follow(username: str):
    """Follow a user; following again changes nothing (200 both times)."""
    identity = require_user()
    with caller_transaction() as connection:
        followee_id = user_id_of(connection, username)
        if followee_id == identity.user_id:
            raise UnprocessableContent("you cannot follow yourself")
        parameters = {"follower_id": identity.user_id, "followee_id": followee_id}
        try:
            row = connection.execute(QUERIES["follow"], parameters).fetchone()
        except database_errors.ForeignKeyViolation:
            raise UnprocessableContent("create your profile first (PUT /me)") from None
    return {**parameters, "created_at": row and row["created_at"]}


@blueprint.delete("/users/<username>/follow")
def unfollow(username: str):
    """Stop following a user; 204 whether or not the caller did."""
    identity = require_user()
    with caller_transaction() as connection:
        followee_id = user_id_of(connection, username)
        connection.execute(
            QUERIES["unfollow"], {"follower_id": identity.user_id, "followee_id": followee_id}
        )
    return "", 204
