"""Live events as the streams send them: read after an id, each rendered once as an SSE frame.

`public.live_events` holds what changed (ids in commit order); the frame of a tweet or a
notification carries it as the REST API shows it at the time it is read.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import psycopg

from api.http.serialization import dumps
from api.resources import representations
from chirp.queries import QUERIES

# Rows read per query; a backlog is read in several.
READ_BATCH_ROWS = 1000


@dataclasses.dataclass(frozen=True)
class LiveEvent:
    """A committed change; `frame` is the SSE frame sent for it (None for follows, blocks, mutes and
    suspensions, which are never sent: they change what streams carry)."""

    id: int
    kind: str
    user_id: uuid.UUID
    tweet_id: uuid.UUID | None = None
    followee_id: uuid.UUID | None = None
    frame: bytes | None = None
    # Whom a block or mute is of.
    target_id: uuid.UUID | None = None
    # Whose words or deeds the frame shows: a tweet's author, a repost's reposter and author, a
    # notification's actor. A stream whose reader may not see one of them sends nothing.
    shows: frozenset[uuid.UUID] = frozenset()
    # The author of the tweet a tweet quotes, and the frame without that quote (quote_of null):
    # what a reader who may not see that author is sent, as the REST API shows it to them.
    quoted_user_id: uuid.UUID | None = None
    unquoted_frame: bytes | None = None


def read_events(connection: psycopg.Connection, after_id: int) -> Iterator[LiveEvent]:
    """The live events after `after_id` still kept, oldest first, each with its frame rendered once."""
    while True:
        rows = connection.execute(QUERIES["live_events_after"],
                                  {"after_id": after_id, "limit": READ_BATCH_ROWS}).fetchall()
        yield from _render(connection, rows)
        if len(rows) < READ_BATCH_ROWS:
            return
        after_id = rows[-1]["id"]


def _render(connection: psycopg.Connection, rows: list[dict]) -> Iterator[LiveEvent]:
    """Events with their frames: tweets, reposts and notifications as the REST API shows them right now.

    A frame is rendered once for every stream, so the viewer's flags (liked, reposted, bookmarked)
    are those of nobody in particular: false, as for an anonymous reader (the listener reads as the
    web process's own role). A repost goes out as a `tweet` event carrying `reposted_by`."""
    tweets = _by_id(connection, "tweets_by_ids", [row["tweet_id"] for row in rows if row["kind"] == "tweet"])
    reposts = _reposts(connection, [row for row in rows if row["kind"] == "repost"])
    notifications = _by_id(connection, "notifications_by_ids",
                           [row["notification_id"] for row in rows if row["kind"] == "notification"])
    for row in rows:
        shown = None
        if row["kind"] == "tweet" and row["tweet_id"] in tweets:
            shown = tweets[row["tweet_id"]]
        elif row["kind"] == "repost" and (row["user_id"], row["tweet_id"]) in reposts:
            shown = reposts[row["user_id"], row["tweet_id"]]
        if shown is not None:
            yield _tweet_event(row, shown)
        elif row["kind"] == "notification" and row["notification_id"] in notifications:
            data = representations.notification(notifications[row["notification_id"]])
            yield _event(row, frame_bytes(row["id"], "notification", data), shows=frozenset((data["actor"]["id"],)))
        elif row["kind"] == "delete":
            yield _event(row, frame_bytes(row["id"], "delete", {"tweet_id": row["tweet_id"]}))
        else:  # gone since (its frame would show nothing), or a follow, block, mute or suspension
            yield _event(row, None)


def _tweet_event(row: dict, shown: dict) -> LiveEvent:
    """A tweet or a repost (sent as a `tweet` carrying `reposted_by`), with its frame without the quote."""
    data = representations.tweet(shown)
    frame = frame_bytes(row["id"], "tweet", data)
    # A repost's row user is the reposter: a reader who may not see them does not see the repost.
    shows = frozenset((shown["user_id"], row["user_id"]))
    if data["quote_of"] is None:
        return _event(row, frame, shows=shows)
    return _event(row, frame, shows=shows, quoted_user_id=data["quote_of"]["user_id"],
                  unquoted_frame=frame_bytes(row["id"], "tweet", {**data, "quote_of": None}))


def _event(row: dict, frame: bytes | None, **shown) -> LiveEvent:
    """The LiveEvent of a row of public.live_events with its frame (and what it shows)."""
    return LiveEvent(row["id"], row["kind"], row["user_id"], row["tweet_id"], row["followee_id"], frame,
                     row["target_id"], **shown)


def _reposts(connection: psycopg.Connection, rows: list[dict]) -> dict[tuple[uuid.UUID, uuid.UUID], dict]:
    """The reposted tweets of repost events that still stand, by (reposter, tweet); one query."""
    if not rows:
        return {}
    found = connection.execute(QUERIES["reposts_by_keys"], {
        "user_ids": [row["user_id"] for row in rows], "tweet_ids": [row["tweet_id"] for row in rows]})
    return {(row["reposted_by_id"], row["id"]): row for row in found}


def _by_id(connection: psycopg.Connection, query_name: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """Rows of `query_name` for `ids`, by id; one query, none when there are no ids."""
    if not ids:
        return {}
    return {row["id"]: row for row in connection.execute(QUERIES[query_name], {"ids": ids})}


def frame_bytes(event_id: int, name: str, data: dict) -> bytes:
    """One SSE frame: `id:`, `event:`, one line of JSON data, and the blank line that ends it."""
    return f"id: {event_id}\nevent: {name}\ndata: {dumps(data)}\n\n".encode()
