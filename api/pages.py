"""Keyset pagination: `?limit=` and an opaque `?cursor=` naming the last row of the previous page.

A cursor is the URL-safe base64 of `[created_at, id]` of that row; the next page holds the rows
strictly before it in (created_at desc, id desc) order, which the indexes serve as one range.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import json
import uuid

import flask

from api.errors import BadRequest

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_CHARACTERS = 200
# The first page starts "before" a row later than any: one query text serves every page.
FIRST_PAGE_BEFORE = (
    datetime.datetime.max.replace(tzinfo=datetime.timezone.utc),
    uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
)


@dataclasses.dataclass(frozen=True)
class PageRequest:
    """What a page request asks for; `fetch` is one more row than shown, to know if more follow."""

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


def page_request() -> PageRequest:
    """Read `limit` and `cursor` from the query string; 400 when either is malformed."""
    raw_limit = flask.request.args.get("limit", str(DEFAULT_PAGE_SIZE))
    if not raw_limit.isascii() or not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    raw_cursor = flask.request.args.get("cursor")
    before = FIRST_PAGE_BEFORE if raw_cursor is None else decode_cursor(raw_cursor)
    return PageRequest(int(raw_limit), *before)


def encode_cursor(created_at: datetime.datetime, row_id: uuid.UUID) -> str:
    """The opaque cursor of a row."""
    raw = json.dumps([created_at.isoformat(), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, uuid.UUID]:
    """The row a cursor names; 400 for anything this API did not issue."""
    try:
        if len(cursor) > MAX_CURSOR_CHARACTERS:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        timestamp = datetime.datetime.fromisoformat(created_at)
        if timestamp.tzinfo is None:
            raise ValueError("naive timestamp")
        return timestamp, uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest("cursor is malformed") from None


def page(rows: list[dict], request: PageRequest, render) -> dict:
    """The response body: at most `limit` rendered rows and the cursor of the last one if more follow."""
    shown = rows[: request.limit]
    next_cursor = None
    if len(rows) > request.limit:
        next_cursor = encode_cursor(shown[-1]["created_at"], shown[-1]["id"])
    return {"data": [render(row) for row in shown], "next_cursor": next_cursor}
