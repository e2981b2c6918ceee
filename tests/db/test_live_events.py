"""The live events table: filled by notifications and the consumer, ids in commit order, closed to clients."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.helpers.fixtures import acting_as

INSERT_LIVE_EVENT = ("insert into public.live_events (kind, user_id, tweet_id)"
                     " values ('delete', %s, gen_random_uuid()) returning id")


def test_a_new_notification_goes_live_once(postgresql, alice, bob):
    [tweet_id] = postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'hi') returning id",
                                    (alice,)).fetchone()
    insert = ("insert into public.notifications (recipient_id, type, actor_id, tweet_id)"
              " values (%s, 'like', %s, %s) on conflict do nothing")
    postgresql.execute(insert, (alice, bob, tweet_id))
    postgresql.execute(insert, (alice, bob, tweet_id))  # a duplicate inserts nothing, and goes nowhere
    rows = postgresql.execute("select kind, user_id, notification_id from public.live_events").fetchall()
    [notification_id] = postgresql.execute("select id from public.notifications").fetchone()
    assert rows == [("notification", alice, notification_id)]


def test_ids_are_handed_out_in_commit_order(postgresql, database_url, alice):
    postgresql.commit()
    with psycopg.connect(database_url) as first, psycopg.connect(database_url) as second:
        [first_id] = first.execute(INSERT_LIVE_EVENT, (alice,)).fetchone()
        result = {}

        def insert_second():
            result["id"] = second.execute(INSERT_LIVE_EVENT, (alice,)).fetchone()[0]
            second.commit()

        thread = threading.Thread(target=insert_second)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the second insert did not wait for the first transaction"
        first.commit()
        thread.join(10)
        assert result["id"] > first_id


def test_an_insert_notifies_the_web_processes_once_per_transaction(postgresql, database_url, alice):
    postgresql.commit()
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute("listen live_events")
        postgresql.execute(INSERT_LIVE_EVENT, (alice,))
        postgresql.execute(INSERT_LIVE_EVENT, (alice,))
        postgresql.commit()
        assert [n.channel for n in listener.notifies(timeout=1)] == ["live_events"]


@pytest.mark.parametrize("table", ["live_events", "stream_tickets"])
def test_clients_can_neither_read_nor_write_live_tables(postgresql, alice, table):
    for user_id in (None, alice):
        with acting_as(postgresql, user_id), pytest.raises(psycopg.errors.InsufficientPrivilege):
            postgresql.execute(f"select * from public.{table}")  # noqa: S608 - a fixed table name
