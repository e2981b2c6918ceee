"""The caller's notifications: list them, mark them read."""

from __future__ import annotations

import flask

from api.caller.database import caller_transaction
from api.caller.tokens import require_user
from api.http import pages, validation
from api.http.errors import UnprocessableContent
from api.resources import representations
from chirp.queries import QUERIES

blueprint = flask.Blueprint("notifications", __name__)

MAX_IDS_PER_REQUEST = 1000


@blueprint.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first; `?unread=true` for unread ones only."""
    identity = require_user()
    unread_only = validation.boolean_parameter("unread")
    list_name = "unread_notifications" if unread_only else "notifications"
    request = pages.page_request(list_name, identity.user_id)
    query = QUERIES["unread_notifications_page" if unread_only else "notifications_page"]
    with caller_transaction(read_only=True) as connection:
        rows = connection.execute(query, {**request.parameters(), "user_id": identity.user_id}).fetchall()
    return pages.page(rows, request, representations.notification)


@blueprint.post("/notifications/read")
def mark_read():
    """Mark notifications read: `{"ids": [...]}` or `{"all": true}`; others' ids change nothing."""
    identity = require_user()
    body = validation.json_body()
    validation.unknown_fields(body, {"ids", "all"})
    with caller_transaction() as connection:
        if body.get("all") is True and "ids" not in body:
            connection.execute(QUERIES["mark_all_notifications_read"], {"user_id": identity.user_id})
        elif "all" not in body:
            ids = _notification_ids(body.get("ids"))
            connection.execute(
                QUERIES["mark_notifications_read"], {"user_id": identity.user_id, "ids": ids}
            )
        else:
            raise UnprocessableContent('send either {"ids": [...]} or {"all": true}')
    return "", 204


def _notification_ids(value: object) -> list:
    """The `ids` field: a list of at most 1000 uuids."""
    if not isinstance(value, list) or len(value) > MAX_IDS_PER_REQUEST:
        raise UnprocessableContent(f"ids must be a list of at most {MAX_IDS_PER_REQUEST} uuids")
    return [validation.uuid_field(item, "ids[]") for item in value]
