"""Failures: poison messages, faults injected in the database for a while and for good, replay."""

from __future__ import annotations

import json

import requests
from psycopg.types.json import Jsonb

from tests.consumer.test_process import insert_mention_tweets, scalar
from tests.helpers.consumer_process import run_command
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import wait_until

INJECT_FAULT = """
create function public.injected_fault() returns trigger language plpgsql as $$
begin raise exception 'injected fault'; end $$;
create trigger injected_fault before insert on public.notifications
  for each row execute function public.injected_fault();
"""
REMOVE_FAULT = "drop trigger injected_fault on public.notifications; drop function public.injected_fault()"


def execute_and_commit(connection, sql):
    connection.execute(sql)
    connection.commit()


def insert_plain_tweets(connection, user_id, count):
    """Tweets without mentions: their effects write no notification, so a notification fault spares them."""
    connection.execute(
        "insert into public.tweets (user_id, content) select %s, 'plain ' || n from generate_series(1, %s) n",
        (user_id, count),
    )
    connection.commit()


def tweet_count(connection, user_id):
    return scalar(connection, "select coalesce(max(tweet_count), 0) from public.profile_counters"
                              " where user_id = %s", (user_id,))


def test_poison_messages_are_dead_lettered_at_once_while_the_rest_flow(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    poison = [{"type": "bogus"}, ["not", "an", "object"], {"type": "tweet.created", "tweet_id": "nope"},
              {"type": "like.created", "user_id": str(alice)}]
    poison_ids = [
        scalar(postgresql, "select * from pgmq.send('events', %s)", (Jsonb(message),)) for message in poison
    ]
    insert_mention_tweets(postgresql, alice, 50)
    consumer = consumers(CONSUMER_BATCH_SIZE="100")
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 30, "an empty queue")
    assert scalar(postgresql, "select count(*) from public.notifications") == 100
    dead = postgresql.execute("select msg_id, attempts, last_error from public.dead_letters order by msg_id").fetchall()
    postgresql.commit()
    assert [row[0] for row in dead] == poison_ids
    assert all(row[1] == 1 for row in dead)
    assert "unknown event type 'bogus'" in dead[0][2] and "not an object" in dead[1][2]
    assert consumer.terminate() == 0
    failure_lines = [json.loads(line) for line in consumer.log().splitlines() if '"msg_id"' in line]
    assert sorted(line["msg_id"] for line in failure_lines) == poison_ids


def test_a_fault_for_a_while_is_retried_until_it_succeeds(postgresql, alice, bob, consumers):
    execute_and_commit(postgresql, INJECT_FAULT)
    insert_mention_tweets(postgresql, alice, 20)
    insert_plain_tweets(postgresql, alice, 30)
    consumer = consumers(CONSUMER_MAX_ATTEMPTS="50")
    # The tweets without mentions flow while those with mentions fail and wait for their retries.
    wait_until(lambda: tweet_count(postgresql, alice) == 30, 30, "the plain tweets to be counted")
    wait_until(lambda: (scalar(postgresql, "select min(attempts) from public.event_failures") or 0) >= 2, 30,
             "two failed attempts of each mention tweet")
    assert scalar(postgresql, "select count(*) from public.event_failures") == 20
    assert scalar(postgresql, "select count(*) from pgmq.q_events") == 20
    assert "injected fault" in scalar(postgresql, "select min(last_error) from public.event_failures")
    execute_and_commit(postgresql, REMOVE_FAULT)
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 30, "an empty queue")
    assert scalar(postgresql, "select count(*) from public.notifications") == 20
    assert tweet_count(postgresql, alice) == 50
    assert scalar(postgresql, "select count(*) from public.event_failures") == 0
    assert scalar(postgresql, "select count(*) from public.dead_letters") == 0
    assert consumer.terminate() == 0


def test_a_fault_for_good_dead_letters_then_replay_succeeds(
    postgresql, database_url, alice, bob, consumers, unused_port
):
    execute_and_commit(postgresql, INJECT_FAULT)
    insert_mention_tweets(postgresql, alice, 5)
    insert_plain_tweets(postgresql, alice, 5)
    # CONSUMER_MAX_ATTEMPTS=3 in the tests' environment: two retries each, then the dead letters.
    consumer = consumers(CONSUMER_METRICS_PORT=str(unused_port))
    wait_until(lambda: scalar(postgresql, "select count(*) from public.dead_letters") == 5, 30, "5 dead letters")
    metrics = requests.get(f"http://127.0.0.1:{unused_port}/metrics", timeout=5).text
    assert "consumer_events_retried_total 10.0" in metrics
    assert "consumer_events_dead_lettered_total 5.0" in metrics
    rows = postgresql.execute("select attempts, last_error from public.dead_letters").fetchall()
    postgresql.commit()
    assert all(attempts == 3 and "injected fault" in error for attempts, error in rows)
    assert scalar(postgresql, "select count(*) from pgmq.q_events") == 0
    assert tweet_count(postgresql, alice) == 5

    status = run_command(database_url, "status")
    assert status.returncode == 0
    assert "dead letters: 5" in status.stdout and "injected fault" in status.stdout

    execute_and_commit(postgresql, REMOVE_FAULT)
    replayed = run_command(database_url, "replay", "--all")
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.count("replayed as message") == 5
    wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") == 5, 30, "notifications")
    assert tweet_count(postgresql, alice) == 10
    assert scalar(postgresql, "select count(*) from public.dead_letters") == 0
    assert scalar(postgresql, "select count(*) from public.event_failures") == 0
    assert consumer.terminate() == 0


def test_replay_of_named_dead_letters_and_of_unknown_ids(postgresql, database_url):
    msg_id = scalar(postgresql, "select * from pgmq.send('events', %s)", (Jsonb({"type": "bogus"}),))
    assert scalar(postgresql, "select pgmq.archive('events', %s::bigint)", (msg_id,))
    replayed = run_command(database_url, "replay", str(msg_id), "999999")
    assert replayed.returncode == 1
    assert f"{msg_id}: replayed as message" in replayed.stdout
    assert "999999: no such dead letter" in replayed.stderr
    assert scalar(postgresql, "select message from pgmq.q_events") == {"type": "bogus"}
    assert scalar(postgresql, "select count(*) from pgmq.a_events") == 0


def test_a_message_delivered_over_and_over_is_dead_lettered(postgresql, alice, bob, drain):
    # As if every delivery had killed the consumer before it could record a failure.
    insert_mention_tweets(postgresql, alice, 2)
    execute_and_commit(postgresql, "update pgmq.q_events set read_ct = 12 where msg_id = 1")  # 3 attempts x 4
    assert drain() == 1
    [(msg_id, error)] = postgresql.execute("select msg_id, last_error from public.dead_letters").fetchall()
    postgresql.commit()
    assert msg_id == 1 and "delivered 13 times without completing" in error
    assert scalar(postgresql, "select count(*) from public.notifications") == 1
