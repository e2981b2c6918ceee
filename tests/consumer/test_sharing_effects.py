"""The consumer's effects of reposts, quotes and replies, and the hashtag rows it keeps: through the
real worker on a real database (drain mode), with events in any order and in one batch or several."""

from __future__ import annotations

import uuid

import pytest

from consumer import events
from tests.consumer.test_handlers import insert_tweet, notifications, queue_length
from tests.helpers.fixtures import create_user


def counts(connection, tweet_id):
    """(like_count, reply_count, repost_count) of a tweet, zeros without a row."""
    row = connection.execute("select like_count, reply_count, repost_count from public.tweet_counters "
                             "where tweet_id = %s", (tweet_id,)).fetchone()
    connection.commit()
    return row or (0, 0, 0)


def repost(connection, user_id, tweet_id, undo=False):
    statement = ("delete from public.reposts where user_id = %s and tweet_id = %s" if undo else
                 "insert into public.reposts (user_id, tweet_id) values (%s, %s)")
    connection.execute(statement, (user_id, tweet_id))
    connection.commit()


def tags(connection):
    rows = connection.execute("select tag, tweet_id from public.tweet_hashtags order by tag, tweet_id").fetchall()
    connection.commit()
    return rows


def test_repost_events_as_the_trigger_writes_them():
    user_id, tweet_id = uuid.uuid4(), uuid.uuid4()
    assert events.parse({"type": "repost.created", "user_id": str(user_id), "tweet_id": str(tweet_id),
                         "created_at": "2026-12-06T10:00:00+00:00"}) == events.RepostCreated(user_id, tweet_id)
    assert events.parse({"type": "repost.deleted", "user_id": str(user_id), "tweet_id": str(tweet_id)}) \
        == events.RepostDeleted(user_id, tweet_id)
    deleted = events.parse({"type": "tweet.deleted", "tweet_id": str(tweet_id), "user_id": str(user_id),
                            "reply_to_id": str(user_id), "quote_of_id": None, "content": "x",
                            "created_at": "2026-12-06T10:00:00+00:00"})
    assert deleted.reply_to_id == user_id
    with pytest.raises(events.MalformedEvent, match="'tweet_id' is missing"):
        events.parse({"type": "repost.created", "user_id": str(user_id)})


@pytest.mark.parametrize("batches", [1, 2])
def test_reposts_count_and_notify_once_and_undo_takes_back_the_count(postgresql, alice, bob, drain, batches):
    carol = create_user(postgresql, "carol")
    tweet_id = insert_tweet(postgresql, alice, "share me")
    for user in (bob, carol, alice):
        repost(postgresql, user, tweet_id)
    if batches == 2:
        drain()
    repost(postgresql, bob, tweet_id, undo=True)
    repost(postgresql, bob, tweet_id)
    repost(postgresql, carol, tweet_id, undo=True)
    drain()
    assert counts(postgresql, tweet_id) == (0, 0, 2)
    assert notifications(postgresql) == sorted([(alice, "repost", bob, tweet_id)]
                                               + ([(alice, "repost", carol, tweet_id)] if batches == 2 else []),
                                               key=str)
    assert queue_length(postgresql) == 0


def test_replies_are_counted_and_taken_back_with_the_reply(postgresql, alice, bob, drain):
    parent = insert_tweet(postgresql, alice, "parent")
    replies = [insert_tweet(postgresql, bob, f"reply {number}", reply_to_id=parent) for number in range(3)]
    drain()
    assert counts(postgresql, parent) == (0, 3, 0)
    postgresql.execute("delete from public.tweets where id = %s", (replies[0],))
    postgresql.commit()
    drain()
    assert counts(postgresql, parent) == (0, 2, 0)


def test_a_quote_notifies_the_quoted_author(postgresql, alice, bob, drain):
    original = insert_tweet(postgresql, alice, "quotable")
    quote = postgresql.execute("insert into public.tweets (user_id, content, quote_of_id) values (%s, 'mine', %s) "
                               "returning id", (bob, original)).fetchone()[0]
    postgresql.execute("insert into public.tweets (user_id, content, quote_of_id) values (%s, 'self', %s)",
                       (alice, original))
    postgresql.commit()
    drain()
    assert notifications(postgresql) == [(alice, "quote", bob, quote)]


def test_a_repost_undone_before_the_consumer_runs_notifies_nobody_and_counts_zero(postgresql, alice, bob, drain):
    tweet_id = insert_tweet(postgresql, alice, "briefly shared")
    repost(postgresql, bob, tweet_id)
    repost(postgresql, bob, tweet_id, undo=True)
    drain()
    assert counts(postgresql, tweet_id) == (0, 0, 0)
    assert notifications(postgresql) == []


def test_hashtag_rows_follow_tweets_in_any_order(postgresql, alice, drain):
    kept = insert_tweet(postgresql, alice, "#Python and #python and #Ünïcode, not#this")
    gone = insert_tweet(postgresql, alice, "#python too")
    drain()
    assert tags(postgresql) == sorted([("python", kept), ("ünïcode", kept), ("python", gone)])
    postgresql.execute("delete from public.tweets where id = %s", (gone,))
    postgresql.commit()
    # Created and deleted in one batch: the rows never appear.
    brief = insert_tweet(postgresql, alice, "#brief")
    postgresql.execute("delete from public.tweets where id = %s", (brief,))
    postgresql.commit()
    drain()
    assert tags(postgresql) == sorted([("python", kept), ("ünïcode", kept)])
