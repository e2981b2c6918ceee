"""The insert notification that wakes the consumer, and its fallback for pgmq without one."""

from __future__ import annotations

import psycopg

from tests.helpers.fixtures import create_user

CHANNEL = "pgmq.q_events.INSERT"


def notifications_after(database_url, write) -> int:
    """How many notifications on the events channel `write(connection)` causes, as a listener sees them."""
    with psycopg.connect(database_url, autocommit=True) as listener, psycopg.connect(database_url) as writer:
        listener.execute('listen "pgmq.q_events.INSERT"')
        write(writer)
        writer.commit()
        return sum(1 for notify in listener.notifies(timeout=0.5) if notify.channel == CHANNEL)


def insert_tweets(user_id, count):
    """A write that inserts `count` tweets, each in a transaction of its own (PostgreSQL folds equal
    notifications of one transaction into one, which would hide the throttle)."""

    def write(connection):
        for n in range(count):
            connection.execute("insert into public.tweets (user_id, content) values (%s, %s)", (user_id, f"t{n}"))
            connection.commit()

    return write


def test_pgmq_insert_notification_is_enabled_and_throttled(postgresql, database_url):
    alice = create_user(postgresql, "alice")
    throttles = postgresql.execute("select queue_name, throttle_interval_ms from pgmq.list_notify_insert_throttles()")
    assert throttles.fetchall() == [("events", 10)]
    postgresql.commit()
    # Fifty commits in quick succession, a few milliseconds each: far fewer notifications than commits.
    assert 1 <= notifications_after(database_url, insert_tweets(alice, 50)) < 50


def test_fallback_trigger_for_pgmq_without_enable_notify_insert(postgresql, database_url):
    alice = create_user(postgresql, "alice")
    # What the migration does on pgmq 1.5.1 (hosted Supabase), done here on the newer local pgmq.
    postgresql.execute("select pgmq.disable_notify_insert('events')")
    postgresql.execute("insert into public.queue_notify_throttle (queue_name, throttle_interval) values ('events', '1 hour')")
    postgresql.execute("create trigger notify_queue_insert after insert on pgmq.q_events"
                       " for each statement execute function public.notify_queue_insert()")
    postgresql.commit()
    assert notifications_after(database_url, insert_tweets(alice, 1)) == 1
    # Within the throttle interval (an hour here), no more notifications.
    assert notifications_after(database_url, insert_tweets(alice, 3)) == 0
    postgresql.execute("update public.queue_notify_throttle set throttle_interval = '0'")
    postgresql.commit()
    assert notifications_after(database_url, insert_tweets(alice, 1)) == 1
