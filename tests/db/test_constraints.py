"""The database enforces what the contract says, whatever the client."""

import psycopg
import pytest

from tests.helpers.fixtures import create_user


def insert_tweet(connection, user_id, content):
    connection.execute("insert into public.tweets (user_id, content) values (%s, %s)", (user_id, content))


@pytest.mark.parametrize("content", ["x", "x" * 280, "😀" * 280, "line\nbreak\tand tab", "é" * 280])
def test_tweet_content_of_1_to_280_code_points_is_accepted(postgresql, alice, content):
    insert_tweet(postgresql, alice, content)


@pytest.mark.parametrize("content", ["", "x" * 281, "😀" * 281, "bell\x07", "escape\x1b[0m", "cr\r", "\x7f", "c1\x85"])
def test_tweet_content_out_of_bounds_is_refused(postgresql, alice, content):
    with pytest.raises(psycopg.errors.CheckViolation):
        insert_tweet(postgresql, alice, content)


def test_tweet_content_is_required(postgresql, alice):
    with pytest.raises(psycopg.errors.NotNullViolation):
        insert_tweet(postgresql, alice, None)


def test_tweet_ids_are_generated_uuids(postgresql, alice):
    insert_tweet(postgresql, alice, "hello")
    assert postgresql.execute("select pg_typeof(id)::text from public.tweets").fetchone()[0] == "uuid"


@pytest.mark.parametrize("username", ["ab", "a" * 16, "has space", "dash-ed", "ünï", "semi;colon"])
def test_malformed_usernames_are_refused(postgresql, username):
    with pytest.raises(psycopg.errors.CheckViolation):
        create_user(postgresql, username)


def test_usernames_are_unique_ignoring_case(postgresql):
    create_user(postgresql, "Alice_1")
    postgresql.rollback()
    with pytest.raises(psycopg.errors.UniqueViolation):
        create_user(postgresql, "alice_1")


def test_nobody_follows_themselves(postgresql, alice):
    with pytest.raises(psycopg.errors.CheckViolation):
        postgresql.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (alice, alice))


def test_one_notification_per_recipient_type_actor_and_tweet(postgresql, alice, bob):
    insert = "insert into public.notifications (recipient_id, type, actor_id) values (%s, 'follow', %s)"
    postgresql.execute(insert, (alice, bob))
    with pytest.raises(psycopg.errors.UniqueViolation):
        postgresql.execute(insert, (alice, bob))


def test_no_notification_for_your_own_action(postgresql, alice):
    with pytest.raises(psycopg.errors.CheckViolation):
        postgresql.execute(
            "insert into public.notifications (recipient_id, type, actor_id) values (%s, 'follow', %s)",
            (alice, alice))


def test_deleting_a_tweet_takes_its_likes_and_notifications(postgresql, alice, bob):
    tweet_id = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'x') returning id", (alice,)).fetchone()[0]
    postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, tweet_id))
    postgresql.execute(
        "insert into public.notifications (recipient_id, type, actor_id, tweet_id) values (%s, 'like', %s, %s)",
        (alice, bob, tweet_id))
    postgresql.execute("delete from public.tweets where id = %s", (tweet_id,))
    assert postgresql.execute(
        "select (select count(*) from public.likes) + (select count(*) from public.notifications)").fetchone()[0] == 0
