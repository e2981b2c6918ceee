"""Writes enqueue their events in the same transaction, through the real pgmq."""

import psycopg
import pytest

from tests.helpers.fixtures import acting_as


def queued(connection):
    """The `events` queue's messages, oldest first, as the owner sees them."""
    rows = connection.execute("select message from pgmq.q_events order by msg_id").fetchall()
    connection.commit()
    return [message for (message,) in rows]


def insert_tweet(connection, user_id, content="hello", reply_to_id=None):
    return connection.execute(
        "insert into public.tweets (user_id, content, reply_to_id) values (%s, %s, %s) returning id",
        (user_id, content, reply_to_id),
    ).fetchone()[0]


def test_tweet_insert_enqueues_tweet_created_with_the_tweet(postgresql, alice):
    with acting_as(postgresql, alice, commit=True):
        tweet_id = insert_tweet(postgresql, alice, "hi @bob #Fun")
    [message] = queued(postgresql)
    assert message["type"] == "tweet.created"
    assert message["tweet_id"] == str(tweet_id)
    assert message["user_id"] == str(alice)
    assert message["content"] == "hi @bob #Fun"
    assert message["reply_to_id"] is None


def test_rolled_back_insert_leaves_no_message(postgresql, alice):
    with acting_as(postgresql, alice):
        insert_tweet(postgresql, alice)
        assert len(postgresql.execute("select 1 from public.tweets").fetchall()) == 1
    assert queued(postgresql) == []
    assert postgresql.execute("select count(*) from public.tweets").fetchone()[0] == 0


def test_failed_insert_enqueues_nothing(postgresql, alice):
    with pytest.raises(psycopg.errors.CheckViolation):
        insert_tweet(postgresql, alice, "x" * 281)
    postgresql.rollback()
    assert queued(postgresql) == []


def test_bulk_insert_enqueues_one_message_per_row(postgresql, alice):
    postgresql.execute(
        "insert into public.tweets (user_id, content) select %s, 'tweet ' || n from generate_series(1, 50) n",
        (alice,),
    )
    postgresql.commit()
    messages = queued(postgresql)
    assert len(messages) == 50
    assert {m["content"] for m in messages} == {f"tweet {n}" for n in range(1, 51)}


def test_like_follow_and_their_undoing_enqueue_events(postgresql, alice, bob):
    tweet_id = insert_tweet(postgresql, alice)
    postgresql.execute("insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, tweet_id))
    postgresql.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (bob, alice))
    postgresql.execute("delete from public.likes where user_id = %s", (bob,))
    postgresql.execute("delete from public.follows where follower_id = %s", (bob,))
    postgresql.execute("delete from public.tweets where id = %s", (tweet_id,))
    postgresql.commit()
    messages = queued(postgresql)
    assert [m["type"] for m in messages] == [
        "tweet.created", "like.created", "follow.created", "like.deleted", "follow.deleted", "tweet.deleted",
    ]
    assert messages[1] | {"created_at": None} == {
        "type": "like.created", "user_id": str(bob), "tweet_id": str(tweet_id), "created_at": None,
    }
    assert messages[2]["follower_id"] == str(bob) and messages[2]["followee_id"] == str(alice)
    assert messages[5]["content"] == "hello" and messages[5]["user_id"] == str(alice)


def test_statement_changing_no_row_enqueues_nothing(postgresql, alice, bob):
    postgresql.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (bob, alice))
    postgresql.execute(
        "insert into public.follows (follower_id, followee_id) values (%s, %s) on conflict do nothing",
        (bob, alice),
    )
    postgresql.execute("delete from public.likes where user_id = %s", (bob,))
    postgresql.commit()
    assert [m["type"] for m in queued(postgresql)] == ["follow.created"]


def test_dead_letters_view_joins_archive_and_failure_record(postgresql):
    [msg_id] = postgresql.execute("select pgmq.send('events', '{\"type\": \"bogus\"}'::jsonb)").fetchone()
    postgresql.execute(
        "insert into public.event_failures (msg_id, attempts, last_error) values (%s, 5, 'boom')", (msg_id,)
    )
    postgresql.execute("select pgmq.archive('events', %s::bigint)", (msg_id,))
    postgresql.commit()
    row = postgresql.execute(
        "select msg_id, message, attempts, last_error, failed_at is not null from public.dead_letters"
    ).fetchone()
    assert row == (msg_id, {"type": "bogus"}, 5, "boom", True)


def test_enqueued_messages_are_read_like_any_pgmq_message(postgresql, alice):
    insert_tweet(postgresql, alice, "first")
    [sent_id] = postgresql.execute("select pgmq.send('events', '{\"type\": \"by_send\"}'::jsonb)").fetchone()
    postgresql.commit()
    rows = postgresql.execute(
        "select msg_id, read_ct, message ->> 'type' from pgmq.read(queue_name => 'events', vt => 30, qty => 10)"
    ).fetchall()
    postgresql.commit()
    assert [(read_count, kind) for _, read_count, kind in rows] == [(1, "tweet.created"), (1, "by_send")]
    assert rows[0][0] < sent_id
