"""Lists that show reposts: each row is placed at `position_at` (a repost's time, else the tweet's),
and a page shows a tweet at most once, even when several followees reposted it.

The queries return rows in (position_at desc, id desc) order, where one tweet may come more than
once; `distinct_rows` keeps the first (newest) of each and, when that leaves the page short while
the query had more, asks again from where the last query ended, so the page is full whenever the
list goes on. The cursor (api.http.pages) is the position of the last row shown.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Callable

from api.http.pages import PageRequest

# fetch(before_created_at, before_id, limit): up to `limit` rows strictly before that position.
Fetch = Callable[[datetime.datetime, uuid.UUID, int], list[dict]]


def distinct_rows(fetch: Fetch, request: PageRequest) -> list[dict]:
    """Up to `limit + 1` rows before the request's cursor, newest first, each tweet once."""
    wanted = request.limit + 1
    before = (request.before_created_at, request.before_id)
    seen: set[uuid.UUID] = set()
    found: list[dict] = []
    while True:
        asked = wanted - len(found)
        rows = fetch(*before, asked)
        for row in rows:
            if row["id"] not in seen:
                seen.add(row["id"])
                found.append(row)
        if len(found) >= wanted or len(rows) < asked:
            return found[:wanted]
        before = (rows[-1]["position_at"], rows[-1]["id"])
