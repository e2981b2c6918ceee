"""Home timelines written ahead by the consumer: fan-out, backfill, unfollow, delete, trim, pulled authors."""

from __future__ import annotations

from tests.consumer.test_handlers import insert_tweet
from tests.helpers.fixtures import create_user


def follow(connection, follower, followee):
    connection.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)",
                       (follower, followee))
    connection.commit()


def unfollow(connection, follower, followee):
    connection.execute("delete from public.follows where follower_id = %s and followee_id = %s",
                       (follower, followee))
    connection.commit()


def timeline(connection, user_id):
    """The tweet ids in a user's home_timeline, newest first."""
    rows = connection.execute(
        "select tweet_id from public.home_timeline where user_id = %s order by created_at desc, tweet_id desc",
        (user_id,),
    ).fetchall()
    connection.commit()
    return [row[0] for row in rows]


def horizon(connection, user_id):
    row = connection.execute(
        "select created_at, tweet_id from public.home_timeline_horizons where user_id = %s", (user_id,)
    ).fetchone()
    connection.commit()
    return row


def configure(connection, **values):
    """Change the home timeline settings row (small numbers make the limits testable)."""
    for name, value in values.items():
        assert name in {"fanout_follower_limit", "kept_entries", "backfill_entries",
                        "trimmed_timelines_per_batch"}
        connection.execute(
            "update public.home_timeline_settings set " + name + " = %s", (value,)  # name checked above
        )
    connection.commit()


def test_a_tweet_fans_out_to_every_follower_once(postgresql, alice, bob, drain):
    carol = create_user(postgresql, "carol")
    dave = create_user(postgresql, "dave")
    follow(postgresql, bob, alice)
    follow(postgresql, carol, alice)
    tweet_id = insert_tweet(postgresql, alice, "hello followers")
    drain()
    assert timeline(postgresql, bob) == [tweet_id]
    assert timeline(postgresql, carol) == [tweet_id]
    assert timeline(postgresql, dave) == []
    assert timeline(postgresql, alice) == []  # her own tweets are read from tweets, at once
    # The same event again (a retry of a batch that lost its delete) writes nothing new.
    postgresql.execute("select pgmq.send('events', jsonb_build_object('type', 'tweet.created', "
                       "'tweet_id', id, 'user_id', user_id, 'content', content, 'created_at', created_at, "
                       "'reply_to_id', null)) from public.tweets")
    postgresql.commit()
    assert drain() == 1
    assert timeline(postgresql, bob) == [tweet_id]


def test_a_follow_backfills_the_newest_tweets_and_raises_the_horizon(postgresql, alice, bob, drain):
    configure(postgresql, backfill_entries=3)
    tweets = [insert_tweet(postgresql, alice, f"tweet {number}") for number in range(5)]
    drain()
    follow(postgresql, bob, alice)
    drain()
    assert timeline(postgresql, bob) == list(reversed(tweets))[:3]
    # Alice's two older tweets are not in Bob's timeline: it is complete from the third newest on.
    oldest_kept = postgresql.execute("select created_at, id from public.tweets where id = %s",
                                     (tweets[2],)).fetchone()
    assert horizon(postgresql, bob) == oldest_kept


def test_a_short_backfill_leaves_the_timeline_complete(postgresql, alice, bob, drain):
    tweets = [insert_tweet(postgresql, alice, f"tweet {number}") for number in range(2)]
    follow(postgresql, bob, alice)
    drain()
    assert timeline(postgresql, bob) == list(reversed(tweets))
    assert horizon(postgresql, bob) is None


def test_unfollow_and_delete_take_entries_out(postgresql, alice, bob, drain):
    carol = create_user(postgresql, "carol")
    follow(postgresql, bob, alice)
    follow(postgresql, bob, carol)
    kept = insert_tweet(postgresql, alice, "kept")
    deleted = insert_tweet(postgresql, alice, "deleted")
    unfollowed = insert_tweet(postgresql, carol, "unfollowed")
    drain()
    assert set(timeline(postgresql, bob)) == {kept, deleted, unfollowed}
    postgresql.execute("delete from public.tweets where id = %s", (deleted,))
    unfollow(postgresql, bob, carol)
    drain()
    assert timeline(postgresql, bob) == [kept]


def test_events_out_of_order_leave_the_timeline_as_the_tables_are(postgresql, alice, bob, drain):
    """Follow, unfollow and follow again, processed in one batch: the follow stands, the entries too."""
    tweet_id = insert_tweet(postgresql, alice, "before the follows")
    drain()
    follow(postgresql, bob, alice)
    unfollow(postgresql, bob, alice)
    follow(postgresql, bob, alice)
    drain()
    assert timeline(postgresql, bob) == [tweet_id]
    # A tweet deleted before its tweet.created is processed never enters a timeline.
    gone = insert_tweet(postgresql, alice, "gone at once")
    postgresql.execute("delete from public.tweets where id = %s", (gone,))
    postgresql.commit()
    drain()
    assert timeline(postgresql, bob) == [tweet_id]


def test_a_deleted_user_leaves_no_entries(postgresql, alice, bob, drain):
    follow(postgresql, bob, alice)
    follow(postgresql, alice, bob)
    insert_tweet(postgresql, alice, "by alice")
    insert_tweet(postgresql, bob, "by bob")
    drain()
    assert len(timeline(postgresql, bob)) == 1 and len(timeline(postgresql, alice)) == 1
    postgresql.execute("delete from auth.users where id = %s", (alice,))
    postgresql.commit()
    drain()
    assert postgresql.execute("select count(*) from public.home_timeline").fetchone()[0] == 0


def test_timelines_are_trimmed_to_the_kept_entries(postgresql, alice, bob, drain):
    configure(postgresql, kept_entries=4)
    follow(postgresql, bob, alice)
    tweets = [insert_tweet(postgresql, alice, f"tweet {number}") for number in range(7)]
    drain()
    newest = list(reversed(tweets))[:4]
    assert timeline(postgresql, bob) == newest
    oldest_kept = postgresql.execute("select created_at, id from public.tweets where id = %s",
                                     (newest[-1],)).fetchone()
    assert horizon(postgresql, bob) == oldest_kept


def test_authors_past_the_follower_limit_are_not_fanned_out(postgresql, alice, bob, drain):
    configure(postgresql, fanout_follower_limit=1)
    carol = create_user(postgresql, "carol")
    follow(postgresql, bob, alice)
    before = insert_tweet(postgresql, alice, "while small")
    drain()
    follow(postgresql, carol, alice)  # two followers: past the limit
    drain()
    after = insert_tweet(postgresql, alice, "now popular")
    drain()
    pulled = postgresql.execute("select author_id from public.timeline_pulled_authors").fetchall()
    assert pulled == [(alice,)]
    assert timeline(postgresql, bob) == [before]
    assert after not in timeline(postgresql, carol)


def test_followers_gained_in_one_batch_count_towards_the_limit(postgresql, alice, bob, drain):
    configure(postgresql, fanout_follower_limit=1)
    carol = create_user(postgresql, "carol")
    follow(postgresql, bob, alice)
    follow(postgresql, carol, alice)
    insert_tweet(postgresql, alice, "popular at once")
    drain()
    pulled = postgresql.execute("select author_id from public.timeline_pulled_authors").fetchall()
    assert pulled == [(alice,)]
    assert timeline(postgresql, bob) == [] and timeline(postgresql, carol) == []
