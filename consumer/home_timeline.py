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
    """Pull newly popular authors, fan out tweets and reposts and backfill, take out what is gone or
    hidden, then trim."""
    created = [event for event in batch if isinstance(event, events.TweetCreated)]
    deleted = [event.tweet_id for event in batch if isinstance(event, events.TweetDeleted)]
    follows = [(event.follower_id, event.followee_id)
               for event in batch if isinstance(event, events.FollowCreated)]
    unfollows = [(event.follower_id, event.followee_id)
                 for event in batch if isinstance(event, events.FollowDeleted)]
    hidden, unmuted = _safety_pairs(batch)
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
    if follows or unmuted:
        # An unmute brings back the muted user's newest tweets, as a new follow would.
        connection.execute(QUERIES["backfill_follows"], _pairs(follows + unmuted))
    if deleted:
        connection.execute(QUERIES["remove_deleted_tweets"], {"tweet_ids": deleted})
    if unreposts:
        connection.execute(QUERIES["remove_unreposted"], _reposts(unreposts))
    if unfollows:
        connection.execute(QUERIES["remove_unfollowed"], _pairs(unfollows))
    if hidden:
        connection.execute(QUERIES["remove_blocked_and_muted"], _pairs(hidden))
    if created or reposts or follows or unmuted:
        connection.execute(QUERIES["trim_timelines"], {
            "author_ids": sorted({event.user_id for event in created} | {user_id for user_id, _ in reposts}),
            "follower_ids": sorted({follower for follower, _ in follows + unmuted}),
        })


def _safety_pairs(batch: list[events.Event]) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[tuple[uuid.UUID, uuid.UUID]]]:
    """(reader, author) pairs whose entries a block or a mute takes out (a block: both ways), and
    (muter, muted) pairs an unmute may bring back."""
    hidden, unmuted = [], []
    for event in batch:
        if isinstance(event, events.BlockCreated):
            hidden += [(event.blocker_id, event.blocked_id), (event.blocked_id, event.blocker_id)]
        elif isinstance(event, events.MuteCreated):
            hidden.append((event.muter_id, event.muted_id))
        elif isinstance(event, events.MuteDeleted):
            unmuted.append((event.muter_id, event.muted_id))
    return hidden, unmuted


def _pairs(pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> dict[str, list[uuid.UUID]]:
    """(follower, followee) pairs as the two arrays the statements unnest."""
    return {"follower_ids": [follower for follower, _ in pairs],
            "followee_ids": [followee for _, followee in pairs]}


def _reposts(pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> dict[str, list[uuid.UUID]]:
    """(reposter, tweet) pairs as the two arrays the statements unnest."""
    return {"user_ids": [user_id for user_id, _ in pairs], "tweet_ids": [tweet_id for _, tweet_id in pairs]}
