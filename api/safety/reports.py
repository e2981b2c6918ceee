"""Reports: `POST /reports`, kept for the operators (public.open_reports, README "Moderation")."""

from __future__ import annotations

import uuid

import flask
from psycopg import errors as database_errors

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import validation
from api.http.errors import UnprocessableContent
from chirp.queries import QUERIES

blueprint = flask.Blueprint("reports", __name__)


@blueprint.post("/reports")
def file_report():
    """Report a user, or one of their tweets, with a reason: 201 with the report's id and time."""
    identity = require_user()
    body = validation.json_body()
    validation.unknown_fields(body, {"username", "tweet_id", "reason"})
    username = validation.username(body.get("username"))
    tweet_id = body.get("tweet_id")
    if tweet_id is not None:
        tweet_id = validation.uuid_field(tweet_id, "tweet_id")
    reason = validation.clean_text(body.get("reason"), "reason", multiline=True)
    if not 1 <= len(reason) <= validation.REPORT_REASON_MAX_CHARACTERS:
        raise UnprocessableContent(f"reason must be 1 to {validation.REPORT_REASON_MAX_CHARACTERS} characters after trimming")
    with caller_transaction() as connection:
        reported = connection.execute(QUERIES["user_id_by_username"], {"username": username}).fetchone()
        if reported is None:
            raise UnprocessableContent("username names no user")
        if reported["id"] == identity.user_id:
            raise UnprocessableContent("you cannot report yourself")
        try:
            row = connection.execute(QUERIES["file_report"], {
                "id": uuid.uuid4(), "user_id": identity.user_id, "reported_id": reported["id"],
                "tweet_id": tweet_id, "reason": reason,
            }).fetchone()
        except database_errors.ForeignKeyViolation:
            raise UnprocessableContent("create your profile first (PUT /me)") from None
    return {"id": row["id"], "created_at": row["created_at"]}, 201
