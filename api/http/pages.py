"""Keyset pagination: `?limit=` and an opaque `?cursor=` naming the last row of the previous page.

A cursor is `<payload>.<check>`: the payload is the URL-safe base64 of `[list, created_at, id]` of
that row, the check a truncated HMAC of the list's full scope (its name, whose list it is, and who
reads it) and the payload. The next page holds the rows strictly before that row in (created_at desc,
id desc) order, which the indexes serve as one range. A cursor from another list or caller, or an
edited one, is a 400: it would otherwise silently start the page at a row of some other list.

The check's key is derived from the deployment's secret (`cursor_key_for`), so every web host of a
deployment accepts every host's cursors and nobody else can make one; another deployment's cursor
is a 400 too.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable

import flask

from api.http.errors import BadRequest
from api.http.validation import query_parameter
from chirp.settings import Settings

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_CHARACTERS = 200
# The pattern /openapi.json gives for a cursor; anything else cannot have come from this API.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,170}\.[A-Za-z0-9_-]{16}$"
CHECK_BYTES = 12
# The label that makes the cursor key differ from any other key derived from the same secret.
CURSOR_KEY_LABEL = b"chirp page cursor key v2"
# Where init_app keeps the key in `app.extensions`.
EXTENSION = "page_cursors"
MALFORMED_CURSOR = "cursor is malformed: pass next_cursor from a page as it is"
# The first page starts "before" a row later than any: one query text serves every page.
FIRST_PAGE_BEFORE = (
    datetime.datetime.max.replace(tzinfo=datetime.timezone.utc),
    uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
)


@dataclasses.dataclass(frozen=True)
class PageRequest:
    """What a page request asks for; `fetch` is one more row than shown, to know if more follow."""

    list_name: str
    scope: str
    limit: int
    before_created_at: datetime.datetime
    before_id: uuid.UUID

    def parameters(self) -> dict:
        """The query parameters every page query takes."""
        return {
            "limit": self.limit + 1,
            "before_created_at": self.before_created_at,
            "before_id": self.before_id,
        }


def page_request(list_name: str, owner: object = "") -> PageRequest:
    """Read `limit` and `cursor` for the list `list_name` (of `owner`, for lists that are someone's);
    400 when either is malformed or the cursor came from another list, caller or deployment."""
    limit, list_scope, raw_cursor = _limit_scope_cursor(list_name, owner)
    before = FIRST_PAGE_BEFORE if raw_cursor is None else decode_cursor(raw_cursor, list_name, list_scope)
    return PageRequest(list_name, list_scope, limit, *before)


def position_request(list_name: str, owner: object, parse) -> tuple[int, str, object]:
    """For a list ordered by something else than time: `limit`, the scope, and the position after
    which the page starts (None on the first page), `parse`d from the cursor's values."""
    limit, list_scope, raw_cursor = _limit_scope_cursor(list_name, owner)
    if raw_cursor is None:
        return limit, list_scope, None
    values = decode_position(raw_cursor, list_name, list_scope)
    try:
        return limit, list_scope, parse(values)
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(MALFORMED_CURSOR) from None


def _limit_scope_cursor(list_name: str, owner: object) -> tuple[int, str, str | None]:
    """The checked `limit`, the list's scope, and the raw cursor (None when absent)."""
    raw_limit = query_parameter("limit", str(DEFAULT_PAGE_SIZE))
    if not raw_limit.isascii() or not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    caller = flask.current_app.extensions[EXTENSION].caller()
    return int(raw_limit), scope(list_name, owner, caller), query_parameter("cursor")


def scope(list_name: str, owner: object, caller: uuid.UUID | None) -> str:
    """What a cursor is bound to: the list, whose list it is, and who reads it (anonymous or a user)."""
    return f"{list_name}:{str(owner).lower()}:{caller or 'anonymous'}"


def cursor_key_for(settings: Settings) -> bytes:
    """The cursor key of a deployment: an HMAC of a fixed label under the deployment's secret.

    SUPABASE_JWT_SECRET when set. A deployment that verifies tokens by JWKS only has none, so its
    other secret is used: the database URL every host connects with (a Supabase project's carries
    the database password). A random key per process would refuse every cursor that reaches
    another worker or host.
    """
    secret = settings.jwt_secret or settings.database_url
    return hmac.new(secret.encode("utf-8"), CURSOR_KEY_LABEL, hashlib.sha256).digest()


@dataclasses.dataclass(frozen=True)
class Cursors:
    """What `app` binds its cursors to: the deployment's key, and who the caller is."""

    key: bytes
    # The caller's user id, or None for an anonymous caller (given by the layer that verifies tokens).
    caller: Callable[[], uuid.UUID | None]


def cursor_key(app: flask.Flask) -> bytes:
    """The key `app` signs and checks cursors with."""
    return app.extensions[EXTENSION].key


def check(key: bytes, list_scope: str, payload: str) -> str:
    """The cursor's check: binds the payload to the list's full scope under the deployment's key."""
    digest = hmac.new(key, f"{list_scope}\n{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:CHECK_BYTES]).decode()


def encode_cursor(list_name: str, list_scope: str, *position) -> str:
    """The opaque cursor of a row of a list, at `position` (times, ids, whole numbers)."""
    values = [value.isoformat() if isinstance(value, datetime.datetime)
              else value if isinstance(value, int) else str(value) for value in position]
    raw = json.dumps([list_name, *values], separators=(",", ":"))
    payload = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return f"{payload}.{check(cursor_key(flask.current_app), list_scope, payload)}"


def decode_cursor(cursor: str, list_name: str, list_scope: str) -> tuple[datetime.datetime, uuid.UUID]:
    """The row a cursor names; 400 for a cursor of another list or anything this API did not issue."""
    values = decode_position(cursor, list_name, list_scope)
    try:
        created_at, row_id = values
        timestamp = datetime.datetime.fromisoformat(created_at)
        if timestamp.tzinfo is None:
            raise ValueError("naive timestamp")
        return timestamp, uuid.UUID(row_id)
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(MALFORMED_CURSOR) from None


def decode_position(cursor: str, list_name: str, list_scope: str) -> list:
    """The values of the position a cursor names, checked to be this list's and unaltered."""
    try:
        if len(cursor) > MAX_CURSOR_CHARACTERS:
            raise ValueError("too long")
        payload, _, received_check = cursor.partition(".")
        padded = payload + "=" * (-len(payload) % 4)
        name, *values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest(MALFORMED_CURSOR) from None
    if name != list_name:
        raise BadRequest(f"cursor belongs to another list ({name!s:.40}), not to {list_name}")
    expected = check(cursor_key(flask.current_app), list_scope, payload)
    if not hmac.compare_digest(received_check.encode(), expected.encode()):
        raise BadRequest(f"cursor was not issued for this {list_name} list and caller, or was altered")
    return values


def page(rows: list[dict], request: PageRequest, render) -> dict:
    """The response body: at most `limit` rendered rows and the cursor of the last one if more follow.

    A row is at (created_at, id), or at (position_at, id) in lists placed by another time (a
    repost's, a bookmark's)."""
    shown = rows[: request.limit]
    next_cursor = None
    if len(rows) > request.limit:
        last = shown[-1]
        position = last.get("position_at") or last["created_at"]
        next_cursor = encode_cursor(request.list_name, request.scope, position, last["id"])
    return {"data": [render(row) for row in shown], "next_cursor": next_cursor}


def init_app(app: flask.Flask, settings: Settings, caller: Callable[[], uuid.UUID | None]) -> None:
    """Derive `app`'s cursor key once from the deployment's secret; `caller` says who calls (this
    layer sits below the one that verifies tokens, so that one hands it in)."""
    app.extensions[EXTENSION] = Cursors(cursor_key_for(settings), caller)
