"""Home timelines written ahead: what a batch of events changes in them, in set-based statements.

Called by `handlers.apply` in the batch's transaction, before the other effects (the live events,
written last, take a lock held until the commit). Each statement reconciles the timelines with
the tables as they are when it runs (see chirp/sql/consumer/home_timeline.sql), so duplicates, retries
and events arriving out of order leave the same timelines.
"""

from __future__ import annotations

import uuid
from collections import Counter

import psycopg

from chirp.queries import QUERIES
from consumer import events


def write(connection: psycopg.Connection, batch: list[events.Event]) -> None:
    """Pull newly popular authors, fan out tweets and reposts and backfill, take out what is gone, then trim."""
    created = [event for event in batch if isinstance(event, events.TweetCreated)]
    deleted = [event.tweet_id for event in batch if isinstance(event, events.TweetDeleted)]
    follows = [(event.follower_id, event.followee_id)
               for event in batch if isinstance(event, events.FollowCreated)]
    unfollows = [(event.follower_id, event.followee_id)
                 for event in batch if isinstance(event, events.FollowDeleted)]
    reposts = [(event.user_id, event.tweet_id) for event in batch if isinstance(event, events.RepostCreated)]
    unreposts = [(event.user_id, event.tweet_id) for event in batch if isinstance(event, events.RepostDeleted)]
    if follows:
        # The counters do not hold this batch's follows yet: the statement adds them.
        gained = Counter(followee for _, followee in follows)
        connection.execute(QUERIES["pull_popular_authors"], {
            "user_ids": sorted(gained), "gains": [gained[user_id] for user_id in sorted(gained)]})
    if created:
        connection.execute(QUERIES["fan_out_tweets"], {"tweet_ids": [event.tweet_id for event in created]})
    if reposts:
        connection.execute(QUERIES["fan_out_reposts"], _reposts(reposts))
    if follows:
        connection.execute(QUERIES["backfill_follows"], _pairs(follows))
    if deleted:
        connection.execute(QUERIES["remove_deleted_tweets"], {"tweet_ids": deleted})
    if unreposts:
        connection.execute(QUERIES["remove_unreposted"], _reposts(unreposts))
    if unfollows:
        connection.execute(QUERIES["remove_unfollowed"], _pairs(unfollows))
    if created or reposts or follows:
        connection.execute(QUERIES["trim_timelines"], {
            "author_ids": sorted({event.user_id for event in created} | {user_id for user_id, _ in reposts}),
            "follower_ids": sorted({follower for follower, _ in follows}),
        })


def _pairs(pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> dict[str, list[uuid.UUID]]:
    """(follower, followee) pairs as the two arrays the statements unnest."""
    return {"follower_ids": [follower for follower, _ in pairs],
            "followee_ids": [followee for _, followee in pairs]}


def _reposts(pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> dict[str, list[uuid.UUID]]:
    """(reposter, tweet) pairs as the two arrays the statements unnest."""
    return {"user_ids": [user_id for user_id, _ in pairs], "tweet_ids": [tweet_id for _, tweet_id in pairs]}
