"""Each event type's effects, through the real worker on a real database (drain mode)."""

from __future__ import annotations

from tests.helpers.fixtures import create_user


def insert_tweet(connection, user_id, content, reply_to_id=None):
    """Insert a tweet as the owner (the trigger enqueues tweet.created) and commit; returns its id."""
    tweet_id = connection.execute(
        "insert into public.tweets (user_id, content, reply_to_id) values (%s, %s, %s) returning id",
        (user_id, content, reply_to_id),
    ).fetchone()[0]
    connection.commit()
    return tweet_id


def notifications(connection):
    """Every notification as (recipient, type, actor, tweet), sorted."""
    rows = connection.execute(
        "select recipient_id, type, actor_id, tweet_id from public.notifications"
    ).fetchall()
    connection.commit()
    return sorted(rows, key=str)


def profile_counts(connection, user_id):
    """(tweet_count, follower_count, following_count) of a user, zeros when there is no row."""
    row = connection.execute(
        "select tweet_count, follower_count, following_count from public.profile_counters where user_id = %s",
        (user_id,),
    ).fetchone()
    connection.commit()
    return row or (0, 0, 0)


def like_count(connection, tweet_id):
    row = connection.execute(
        "select like_count from public.tweet_counters where tweet_id = %s", (tweet_id,)
    ).fetchone()
    connection.commit()
    return row[0] if row else 0


def hashtag_counts(connection):
    rows = connection.execute(
        "select tag, sum(count)::int from public.hashtag_hourly_counts group by tag having sum(count) <> 0"
    ).fetchall()
    connection.commit()
    return dict(rows)


def queue_length(connection):
    length = connection.execute("select count(*) from pgmq.q_events").fetchone()[0]
    connection.commit()
    return length


def test_mentions_notify_existing_users_once_ignoring_case(postgresql, alice, bob, drain):
    carol = create_user(postgresql, "Carol_1")
    tweet_id = insert_tweet(postgresql, alice, "hi @BOB and @bob, @carol_1, @nobody, @alice, x@bob, @bobby_")
    assert drain() == 1
    assert notifications(postgresql) == sorted(
        [(bob, "mention", alice, tweet_id), (carol, "mention", alice, tweet_id)], key=str
    )
    assert queue_length(postgresql) == 0


def test_reply_notifies_the_replied_to_author_but_not_oneself(postgresql, alice, bob, drain):
    original = insert_tweet(postgresql, alice, "original")
    reply = insert_tweet(postgresql, bob, "a reply", reply_to_id=original)
    insert_tweet(postgresql, alice, "replying to myself", reply_to_id=original)
    assert drain() == 3
    assert notifications(postgresql) == [(alice, "reply", bob, reply)]


def test_likes_and_unlikes_keep_like_count_and_notify_once(postgresql, alice, bob, drain):
    carol = create_user(postgresql, "carol")
    tweet_id = insert_tweet(postgresql, alice, "like me")
    for user in (bob, carol, alice):
        postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (user, tweet_id))
    postgresql.commit()
    drain()
    assert like_count(postgresql, tweet_id) == 3
    postgresql.execute("delete from public.likes where user_id = %s", (bob,))
    postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, tweet_id))
    postgresql.execute("delete from public.likes where user_id in (%s, %s)", (bob, carol))
    postgresql.commit()
    drain()
    assert like_count(postgresql, tweet_id) == 1
    assert notifications(postgresql) == sorted(
        [(alice, "like", bob, tweet_id), (alice, "like", carol, tweet_id)], key=str
    )


def test_follows_and_unfollows_keep_counts_and_notify_once(postgresql, alice, bob, drain):
    carol = create_user(postgresql, "carol")
    for follower, followee in ((bob, alice), (carol, alice), (alice, bob)):
        postgresql.execute(
            "insert into public.follows (follower_id, followee_id) values (%s, %s)", (follower, followee)
        )
    postgresql.commit()
    drain()
    assert profile_counts(postgresql, alice) == (0, 2, 1)
    postgresql.execute("delete from public.follows where follower_id = %s", (bob,))
    postgresql.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (bob, alice))
    postgresql.execute("delete from public.follows where follower_id = %s", (carol,))
    postgresql.commit()
    drain()
    assert profile_counts(postgresql, alice) == (0, 1, 1)
    assert profile_counts(postgresql, bob) == (0, 1, 1)
    assert profile_counts(postgresql, carol) == (0, 0, 0)
    follows = [row for row in notifications(postgresql) if row[1] == "follow"]
    assert follows == sorted([(alice, "follow", bob, None), (alice, "follow", carol, None),
                              (bob, "follow", alice, None)], key=str)


def test_tweets_and_hashtags_counted_and_taken_back_on_delete(postgresql, alice, bob, drain):
    kept = insert_tweet(postgresql, alice, "#Python is fun #python #2024 #Go_lang a#b @bob")
    gone = insert_tweet(postgresql, alice, "#python again @bob")
    drain()
    assert profile_counts(postgresql, alice) == (2, 0, 0)
    assert hashtag_counts(postgresql) == {"python": 2, "go_lang": 1}
    postgresql.execute("delete from public.tweets where id = %s", (gone,))
    postgresql.commit()
    drain()
    assert profile_counts(postgresql, alice) == (1, 0, 0)
    assert hashtag_counts(postgresql) == {"python": 1, "go_lang": 1}
    assert notifications(postgresql) == [(bob, "mention", alice, kept)]


def test_tweet_deleted_before_processing_leaves_no_trace(postgresql, alice, bob, drain):
    tweet_id = insert_tweet(postgresql, alice, "@bob #gone")
    postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, tweet_id))
    postgresql.execute("delete from public.tweets where id = %s", (tweet_id,))
    postgresql.commit()
    assert drain() == 4
    assert notifications(postgresql) == []
    assert profile_counts(postgresql, alice) == (0, 0, 0)
    assert hashtag_counts(postgresql) == {}
    assert queue_length(postgresql) == 0


def test_hashtags_count_in_the_hour_the_tweet_was_created_and_are_taken_back_there(postgresql, alice, drain):
    old = postgresql.execute(
        "insert into public.tweets (user_id, content, created_at)"
        " values (%s, '#Retro', '2026-01-01 10:59:59.5+00') returning id", (alice,)).fetchone()[0]
    postgresql.commit()
    insert_tweet(postgresql, alice, "#retro now")
    drain()
    rows = postgresql.execute(
        "select hour = '2026-01-01 10:00+00', count from public.hashtag_hourly_counts order by hour").fetchall()
    postgresql.commit()
    assert rows == [(True, 1), (False, 1)]
    postgresql.execute("delete from public.tweets where id = %s", (old,))
    postgresql.commit()
    drain()
    assert postgresql.execute(
        "select count from public.hashtag_hourly_counts where hour = '2026-01-01 10:00+00'").fetchone() == (0,)
    assert hashtag_counts(postgresql) == {"retro": 1}
