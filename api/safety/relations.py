"""Blocks and mutes: `POST`/`DELETE /users/{username}/block` and `/mute`, `GET /me/blocks`, `/me/mutes`.

Both are private (only their owner reads them) and idempotent. Blocking ends the follows between
the two users, both ways; muting is silent and one-sided (the muted may still follow the muter).
"""

from __future__ import annotations

import dataclasses

import flask
from psycopg import errors as database_errors

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import pages
from api.http.errors import UnprocessableContent
from api.resources import representations
from api.resources.users import user_id_of
from chirp.queries import QUERIES

blueprint = flask.Blueprint("relations", __name__)


@dataclasses.dataclass(frozen=True)
class Relation:
    """A relation one user makes toward another: its verb, its JSON fields, its list and queries."""

    verb: str
    subject_field: str
    object_field: str
    list_name: str
    make_query: str
    undo_query: str
    page_query: str


BLOCK = Relation("block", "blocker_id", "blocked_id", "blocks",
                 "block_user", "unblock_user", "blocked_profiles_page")
MUTE = Relation("mute", "muter_id", "muted_id", "mutes",
                "mute_user", "unmute_user", "muted_profiles_page")


def make(relation: Relation, username: str) -> dict:
    """Block or mute a user as the caller; doing it again changes nothing (200 both times)."""
    identity = require_user()
    with caller_transaction() as connection:
        other_id = user_id_of(connection, username)
        if other_id == identity.user_id:
            raise UnprocessableContent(f"you cannot {relation.verb} yourself")
        try:
            row = connection.execute(QUERIES[relation.make_query],
                                     {"user_id": identity.user_id, "other_id": other_id}).fetchone()
        except database_errors.ForeignKeyViolation:
            raise UnprocessableContent("create your profile first (PUT /me)") from None
    # No row only when a concurrent request made it after this statement's snapshot (as for follows).
    return {relation.subject_field: identity.user_id, relation.object_field: other_id,
            "created_at": row and row["created_at"]}


def undo(relation: Relation, username: str):
    """Unblock or unmute a user; 204 whether or not the caller had."""
    identity = require_user()
    with caller_transaction() as connection:
        other_id = user_id_of(connection, username)
        connection.execute(QUERIES[relation.undo_query], {"user_id": identity.user_id, "other_id": other_id})
    return "", 204


def listed(relation: Relation) -> dict:
    """A page of the profiles the caller blocks or mutes, the newest first."""
    identity = require_user()
    request = pages.page_request(relation.list_name, identity.user_id)
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(QUERIES[relation.page_query],
                                  {**request.parameters(), "user_id": identity.user_id}).fetchall()
    return pages.page(rows, request, _profile)


def _profile(row: dict) -> dict:
    """A listed profile: the row's `created_at` is the block's or mute's (the page's order)."""
    return representations.profile({**row, "created_at": row["profile_created_at"]})


@blueprint.post("/users/<username>/block")
def block(username: str):
    """Block a user: both follows end, neither sees the other's tweets, they cannot follow or answer you."""
    return make(BLOCK, username)


@blueprint.delete("/users/<username>/block")
def unblock(username: str):
    """Unblock a user (follows do not come back)."""
    return undo(BLOCK, username)


@blueprint.get("/me/blocks")
def blocks():
    """The profiles the caller blocks, a page at a time."""
    return listed(BLOCK)


@blueprint.post("/users/<username>/mute")
def mute(username: str):
    """Mute a user: their tweets and notifications disappear from what the caller reads, silently."""
    return make(MUTE, username)


@blueprint.delete("/users/<username>/mute")
def unmute(username: str):
    """Unmute a user."""
    return undo(MUTE, username)


@blueprint.get("/me/mutes")
def mutes():
    """The profiles the caller mutes, a page at a time."""
    return listed(MUTE)
