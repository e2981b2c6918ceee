"""What each event does: one function per type adds its effects, then one statement per kind writes them.

A batch of events and a single event go through the same path: the handlers collect rows into an
`Effects`, and `Effects.write` sends each kind of row in one set-based statement. Counters are
deltas (+1 created, -1 deleted) summed per key first, so each row is updated once, in key order.
Live events (what the web processes stream) and notifications, which go live through a trigger,
are written last: their first insert takes the lock that keeps live event ids in commit order,
held until the commit, so it should be taken as late as possible.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Callable

import psycopg

from chirp.queries import QUERIES
from consumer import events, home_timeline, safety, text


@dataclasses.dataclass
class Effects:
    """The rows a batch of events will write, column by column."""

    mentions: list[tuple[uuid.UUID, uuid.UUID, str]] = dataclasses.field(default_factory=list)
    replies: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    likes: list[tuple[uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    reposts: list[tuple[uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    # (quoting tweet id, its author, quoted tweet id).
    quotes: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    follows: list[tuple[uuid.UUID, uuid.UUID]] = dataclasses.field(default_factory=list)
    # user id -> [tweets, followers, following] deltas.
    profile_deltas: dict[uuid.UUID, list[int]] = dataclasses.field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    # tweet id -> [likes, replies, reposts] deltas.
    tweet_deltas: dict[uuid.UUID, list[int]] = dataclasses.field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    hashtags: list[tuple[uuid.UUID, datetime, str, int]] = dataclasses.field(default_factory=list)
    # (kind, user id, tweet id, followee id, target id) in the order of the events, for the live streams.
    live: list[tuple[str, uuid.UUID, uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]] = dataclasses.field(
        default_factory=list
    )

    def write(self, connection: psycopg.Connection) -> None:
        """Write every collected row: counters in a fixed order, then live events and notifications."""
        profile_rows = [(user_id, *deltas) for user_id, deltas in sorted(self.profile_deltas.items())]
        _execute(connection, "add_profile_counts", profile_rows,
                 ("user_ids", "tweet_deltas", "follower_deltas", "following_deltas"))
        tweet_rows = [(tweet_id, *deltas) for tweet_id, deltas in sorted(self.tweet_deltas.items())]
        _execute(connection, "add_tweet_counts", tweet_rows,
                 ("tweet_ids", "like_deltas", "reply_deltas", "repost_deltas"))
        _execute(connection, "add_hashtag_counts", self.hashtags,
                 ("tweet_ids", "created_ats", "tags", "deltas"))
        # Which tweets carry which tag (lower-cased by the database, as for the counts).
        _execute(connection, "insert_tweet_hashtags",
                 [(tag, created_at, tweet_id) for tweet_id, created_at, tag, delta in self.hashtags if delta > 0],
                 ("tags", "created_ats", "tweet_ids"))
        _execute(connection, "delete_tweet_hashtags",
                 [(tag, created_at, tweet_id) for tweet_id, created_at, tag, delta in self.hashtags if delta < 0],
                 ("tags", "created_ats", "tweet_ids"))
        _execute(connection, "insert_live_events", self.live,
                 ("kinds", "user_ids", "tweet_ids", "followee_ids", "target_ids"))
        _execute(connection, "insert_mention_notifications", self.mentions,
                 ("tweet_ids", "actor_ids", "usernames"))
        _execute(connection, "insert_reply_notifications", self.replies,
                 ("tweet_ids", "actor_ids", "parent_ids"))
        _execute(connection, "insert_like_notifications", self.likes, ("tweet_ids", "actor_ids"))
        _execute(connection, "insert_repost_notifications", self.reposts, ("tweet_ids", "actor_ids"))
        _execute(connection, "insert_quote_notifications", self.quotes,
                 ("tweet_ids", "actor_ids", "quoted_ids"))
        _execute(connection, "insert_follow_notifications", self.follows,
                 ("follower_ids", "followee_ids"))


def _execute(connection: psycopg.Connection, name: str, rows: list[tuple], columns: tuple[str, ...]) -> None:
    """Run query `name` with `rows` passed as one array per column; nothing when there are no rows."""
    if rows:
        connection.execute(QUERIES[name], dict(zip(columns, map(list, zip(*rows)))))


def tweet_created(event: events.TweetCreated, effects: Effects) -> None:
    """Mentions, the reply and its count, the quote, the author's tweet count and the hashtags of a new tweet."""
    for username in text.mentions(event.content):
        effects.mentions.append((event.tweet_id, event.user_id, username))
    if event.reply_to_id is not None:
        effects.replies.append((event.tweet_id, event.user_id, event.reply_to_id))
        effects.tweet_deltas[event.reply_to_id][1] += 1
    if event.quote_of_id is not None:
        effects.quotes.append((event.tweet_id, event.user_id, event.quote_of_id))
    effects.profile_deltas[event.user_id][0] += 1
    for tag in text.hashtags(event.content):
        effects.hashtags.append((event.tweet_id, event.created_at, tag, 1))
    effects.live.append(("tweet", event.user_id, event.tweet_id, None, None))


def tweet_deleted(event: events.TweetDeleted, effects: Effects) -> None:
    """Take back the author's tweet count, the parent's reply count and the hashtags; notifications
    go with the tweet (cascade)."""
    effects.profile_deltas[event.user_id][0] -= 1
    if event.reply_to_id is not None:
        effects.tweet_deltas[event.reply_to_id][1] -= 1
    for tag in text.hashtags(event.content):
        effects.hashtags.append((event.tweet_id, event.created_at, tag, -1))
    effects.live.append(("delete", event.user_id, event.tweet_id, None, None))


def like_created(event: events.LikeCreated, effects: Effects) -> None:
    """Notify the tweet's author and count the like."""
    effects.likes.append((event.tweet_id, event.user_id))
    effects.tweet_deltas[event.tweet_id][0] += 1


def like_deleted(event: events.LikeDeleted, effects: Effects) -> None:
    """Take back the like's count; its notification stays (one per user and tweet, ever)."""
    effects.tweet_deltas[event.tweet_id][0] -= 1


def repost_created(event: events.RepostCreated, effects: Effects) -> None:
    """Notify the tweet's author, count the repost, and send it to the reposter's followers' streams
    (home timelines: consumer.home_timeline)."""
    effects.reposts.append((event.tweet_id, event.user_id))
    effects.tweet_deltas[event.tweet_id][2] += 1
    effects.live.append(("repost", event.user_id, event.tweet_id, None, None))


def repost_deleted(event: events.RepostDeleted, effects: Effects) -> None:
    """Take back the repost's count; its notification stays, as a like's does."""
    effects.tweet_deltas[event.tweet_id][2] -= 1


def follow_created(event: events.FollowCreated, effects: Effects) -> None:
    """Notify the followed user and count the follow on both profiles."""
    effects.follows.append((event.follower_id, event.followee_id))
    effects.profile_deltas[event.followee_id][1] += 1
    effects.profile_deltas[event.follower_id][2] += 1
    effects.live.append(("follow", event.follower_id, None, event.followee_id, None))


def follow_deleted(event: events.FollowDeleted, effects: Effects) -> None:
    """Take back the follow's counts on both profiles."""
    effects.profile_deltas[event.followee_id][1] -= 1
    effects.profile_deltas[event.follower_id][2] -= 1
    effects.live.append(("unfollow", event.follower_id, None, event.followee_id, None))


def safety_event(event: events.Event, effects: Effects) -> None:
    """A block, a mute or a suspension, made or undone: the live streams must apply it."""
    effects.live.append(safety.live_event(event))


HANDLERS: dict[type, Callable[[events.Event, Effects], None]] = {
    events.TweetCreated: tweet_created,
    events.TweetDeleted: tweet_deleted,
    events.LikeCreated: like_created,
    events.LikeDeleted: like_deleted,
    events.RepostCreated: repost_created,
    events.RepostDeleted: repost_deleted,
    events.FollowCreated: follow_created,
    events.FollowDeleted: follow_deleted,
    **{event_type: safety_event for event_type in safety.SAFETY_EVENTS},
}


def apply(connection: psycopg.Connection, batch: list[events.Event]) -> None:
    """Write the effects of `batch` in the caller's transaction."""
    effects = Effects()
    for event in batch:
        HANDLERS[type(event)](event, effects)
    # Timelines first: the live events, written last, take a lock held until the commit.
    home_timeline.write(connection, batch)
    effects.write(connection)
