"""Every RLS rule, tried as `anon` and as two `authenticated` users, the way the API sets them."""

import psycopg
import pytest

from tests.helpers.fixtures import acting_as, create_user

PUBLIC_TABLES = [
    "profiles", "tweets", "follows", "likes", "notifications",
    "profile_counters", "tweet_counters", "hashtag_hourly_counts", "event_failures",
]


@pytest.fixture
def world(postgresql, alice, bob):
    """Alice has a tweet that Bob likes; Bob follows Alice; Alice has a notification about it."""
    tweet_id = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'hello') returning id", (alice,)
    ).fetchone()[0]
    postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, tweet_id))
    postgresql.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (bob, alice))
    postgresql.execute(
        "insert into public.notifications (recipient_id, type, actor_id, tweet_id) values (%s, 'like', %s, %s)",
        (alice, bob, tweet_id),
    )
    postgresql.commit()
    return {"tweet_id": tweet_id}


def count(connection, query, params=()):
    return connection.execute(query, params).fetchone()[0]


def refused(connection, query, params=()):
    """True when the statement raises a privilege or RLS error (inside a savepoint, so the caller goes on)."""
    try:
        with connection.transaction():
            connection.execute(query, params)
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation):
        return True
    return False


def test_every_public_table_has_row_level_security(postgresql):
    rows = postgresql.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace"
        " and relkind = 'r' and not relrowsecurity"
    ).fetchall()
    assert rows == []
    tables = {r for (r,) in postgresql.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'")}
    assert set(PUBLIC_TABLES) <= tables


def test_anon_reads_tweets_and_profiles(postgresql, world):
    with acting_as(postgresql, None):
        assert count(postgresql, "select count(*) from public.tweets") == 1
        assert count(postgresql, "select count(*) from public.profiles") == 2


@pytest.mark.parametrize("statement", [
    "insert into public.tweets (user_id, content) values ((select id from public.profiles limit 1), 'x')",
    "delete from public.tweets",
    "update public.profiles set full_name = 'x'",
    "insert into public.likes (user_id, tweet_id) select user_id, id from public.tweets",
    "delete from public.follows",
    "select * from public.notifications",
    "select * from public.event_failures",
    "select * from public.dead_letters",
    "insert into public.hashtag_hourly_counts (hour, tag) values (date_trunc('hour', now()), 'x')",
])
def test_anon_writes_nothing_and_reads_no_private_table(postgresql, world, statement):
    with acting_as(postgresql, None):
        assert refused(postgresql, statement)


def test_users_tweet_only_as_themselves(postgresql, alice, bob):
    with acting_as(postgresql, alice):
        assert not refused(postgresql, "insert into public.tweets (user_id, content) values (%s, 'mine')", (alice,))
        assert refused(postgresql, "insert into public.tweets (user_id, content) values (%s, 'forged')", (bob,))


def test_users_delete_only_their_own_tweets(postgresql, world, alice, bob):
    with acting_as(postgresql, bob):
        assert count(postgresql, "with d as (delete from public.tweets returning 1) select count(*) from d") == 0
    with acting_as(postgresql, alice):
        assert count(postgresql, "with d as (delete from public.tweets returning 1) select count(*) from d") == 1


def test_tweets_cannot_be_edited(postgresql, world, alice):
    with acting_as(postgresql, alice):
        assert refused(postgresql, "update public.tweets set content = 'edited'")


def test_users_like_and_unlike_only_as_themselves(postgresql, world, alice, bob):
    carol = create_user(postgresql, "carol")
    tweet_id = world["tweet_id"]
    with acting_as(postgresql, alice):
        assert refused(postgresql, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (carol, tweet_id))
        assert not refused(postgresql, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (alice, tweet_id))
        # Bob's like is visible but not Alice's to remove.
        assert count(postgresql, "with d as (delete from public.likes where user_id = %s returning 1)"
                     " select count(*) from d", (bob,)) == 0


def test_users_follow_and_unfollow_only_as_themselves(postgresql, world, alice, bob):
    carol = create_user(postgresql, "carol")
    with acting_as(postgresql, alice):
        assert refused(postgresql, "insert into public.follows (follower_id, followee_id) values (%s, %s)", (bob, carol))
        assert not refused(postgresql, "insert into public.follows (follower_id, followee_id) values (%s, %s)",
                           (alice, carol))
        assert count(postgresql, "with d as (delete from public.follows where follower_id = %s returning 1)"
                     " select count(*) from d", (bob,)) == 0


def test_users_change_only_their_own_profile(postgresql, alice, bob):
    with acting_as(postgresql, alice):
        changed = "with u as (update public.profiles set full_name = 'X' where id = %s returning 1) select count(*) from u"
        assert count(postgresql, changed, (bob,)) == 0
        assert count(postgresql, changed, (alice,)) == 1
        assert refused(postgresql, "update public.profiles set id = %s where id = %s", (bob, alice))


def test_users_create_only_their_own_profile(postgresql):
    user_id = postgresql.execute(
        "insert into auth.users (id) values (gen_random_uuid()) returning id").fetchone()[0]
    other_id = postgresql.execute(
        "insert into auth.users (id) values (gen_random_uuid()) returning id").fetchone()[0]
    postgresql.commit()
    with acting_as(postgresql, user_id):
        assert refused(postgresql, "insert into public.profiles (id, username) values (%s, 'other')", (other_id,))
        assert not refused(postgresql, "insert into public.profiles (id, username) values (%s, 'myself')", (user_id,))


def test_users_read_and_mark_only_their_own_notifications(postgresql, world, alice, bob):
    with acting_as(postgresql, bob):
        assert count(postgresql, "select count(*) from public.notifications") == 0
        assert count(postgresql, "with u as (update public.notifications set read_at = now() returning 1)"
                     " select count(*) from u") == 0
        assert refused(postgresql, "insert into public.notifications (recipient_id, type, actor_id)"
                       " values (%s, 'follow', %s)", (alice, bob))
    with acting_as(postgresql, alice):
        assert count(postgresql, "select count(*) from public.notifications") == 1
        assert count(postgresql, "with u as (update public.notifications set read_at = now() returning 1)"
                     " select count(*) from u") == 1
        assert refused(postgresql, "update public.notifications set recipient_id = %s", (bob,))


@pytest.mark.parametrize("user", [None, "alice"])
@pytest.mark.parametrize("statement", [
    "select * from pgmq.q_events",
    "select * from pgmq.a_events",
    "select pgmq.send('events', '{}'::jsonb)",
    "select * from pgmq.read('events', 30, 1)",
    "select * from pgmq.metrics('events')",
    "select public.enqueue_tweet_events()",
])
def test_api_roles_can_use_nothing_in_pgmq(postgresql, alice, user, statement):
    with acting_as(postgresql, alice if user else None):
        assert refused(postgresql, statement)


def test_counters_are_public_to_read_and_closed_to_write(postgresql, world, alice):
    postgresql.execute("insert into public.profile_counters (user_id, tweet_count) values (%s, 1)", (alice,))
    postgresql.commit()
    with acting_as(postgresql, None):
        assert count(postgresql, "select tweet_count from public.profile_counters") == 1
    with acting_as(postgresql, alice):
        assert refused(postgresql, "update public.profile_counters set tweet_count = 100")
        assert refused(postgresql, "insert into public.tweet_counters (tweet_id, like_count) values (%s, 9)",
                       (world["tweet_id"],))


def test_claims_end_with_the_transaction(postgresql, alice):
    with acting_as(postgresql, alice):
        assert count(postgresql, "select auth.uid()") == alice
        assert count(postgresql, "select auth.role()") == "authenticated"
        assert count(postgresql, "select auth.jwt() ->> 'sub'") == str(alice)
    assert count(postgresql, "select auth.uid()") is None
    assert count(postgresql, "select current_user") == "postgres"
