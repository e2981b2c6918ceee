"""The real `python -m consumer` process: crashes, concurrency, signals and listening."""

from __future__ import annotations

import json
import time

import psycopg

from tests.helpers.consumer_process import wait_for
from tests.helpers.fixtures import create_user

MENTION_TWEET = "hey @bob and @Carol #burst #Tag{n}"


def scalar(connection, sql, parameters=()):
    """One value, read in a transaction of its own so that it sees the latest commits."""
    value = connection.execute(sql, parameters).fetchone()[0]
    connection.commit()
    return value


def insert_mention_tweets(connection, user_id, count, first=0):
    """Insert `count` tweets mentioning bob and carol in one statement (one send_batch)."""
    connection.execute(
        "insert into public.tweets (user_id, content)"
        " select %s, replace(%s, '{n}', mod(n, 7)::text) from generate_series(%s::int, %s::int) as n",
        (user_id, MENTION_TWEET, first, first + count - 1),
    )
    connection.commit()


def assert_exactly_once(connection, alice, tweets):
    """Every tweet's effects are there exactly once: notifications, tweet count, hashtags."""
    assert scalar(connection, "select count(*) from pgmq.q_events") == 0
    assert scalar(connection, "select count(*) from public.notifications where type = 'mention'") == 2 * tweets
    assert scalar(connection, "select tweet_count from public.profile_counters where user_id = %s",
                  (alice,)) == tweets
    assert scalar(connection, "select sum(count) from public.hashtag_hourly_counts where tag = 'burst'") == tweets
    assert scalar(connection, "select sum(count) from public.hashtag_hourly_counts where tag like 'tag%%'") == tweets
    assert scalar(connection, "select count(*) from public.dead_letters") == 0


def test_sigkill_again_and_again_during_a_burst_loses_and_repeats_nothing(
    postgresql, database_url, alice, bob, consumers
):
    create_user(postgresql, "carol")
    tweets_per_round, rounds = 150, 6
    for round_number in range(rounds):
        insert_mention_tweets(postgresql, alice, tweets_per_round, first=round_number * tweets_per_round)
        consumer = consumers(CONSUMER_BATCH_SIZE="10")
        already = scalar(postgresql, "select count(*) from public.notifications")
        # Kill it while it is busy: once it has committed something in this round.
        wait_for(lambda: scalar(postgresql, "select count(*) from public.notifications") > already + 20,
                 30, f"progress in round {round_number}")
        consumer.kill()
    consumer = consumers()
    total = tweets_per_round * rounds
    wait_for(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 60, "an empty queue")
    assert consumer.terminate() == 0
    assert_exactly_once(postgresql, alice, total)


def test_two_consumers_share_a_backlog_without_duplicate_effects(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    tweets = 3000
    insert_mention_tweets(postgresql, alice, tweets)
    first, second = consumers(CONSUMER_BATCH_SIZE="50"), consumers(CONSUMER_BATCH_SIZE="50")
    wait_for(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 90, "an empty queue")
    assert first.terminate() == 0 and second.terminate() == 0
    assert_exactly_once(postgresql, alice, tweets)
    processed = [processed_count(process.log()) for process in (first, second)]
    assert sum(processed) == tweets
    assert min(processed) > 0, f"one consumer did all the work: {processed}"


def processed_count(log: str) -> int:
    """The `processed` figure of the consumer's "consumer stopped" JSON log line."""
    for line in log.splitlines():
        record = json.loads(line)
        if record["message"] == "consumer stopped":
            return record["processed"]
    raise AssertionError(f"no 'consumer stopped' line in:\n{log}")


def test_sigterm_finishes_the_batch_in_hand_and_exits_zero(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    insert_mention_tweets(postgresql, alice, 2000)
    consumer = consumers(CONSUMER_BATCH_SIZE="25")
    wait_for(lambda: scalar(postgresql, "select count(*) from public.notifications") > 0, 30, "progress")
    assert consumer.terminate() == 0
    # Each tweet is either fully processed or still queued: nothing half done, nothing lost.
    queued = scalar(postgresql, "select count(*) from pgmq.q_events")
    processed = processed_count(consumer.log())
    assert queued + processed == 2000
    assert scalar(postgresql, "select count(*) from public.notifications") == 2 * processed
    assert scalar(postgresql, "select tweet_count from public.profile_counters where user_id = %s",
                  (alice,)) == processed


def test_an_idle_consumer_exits_zero_on_sigterm(consumers):
    consumer = consumers()
    wait_for(lambda: "consumer started" in consumer.log(), 30, "the consumer to start")
    assert consumer.terminate() == 0
    assert "consumer stopped" in consumer.log()


def test_a_new_tweet_is_noticed_at_once_not_at_the_next_poll(postgresql, alice, bob, consumers):
    consumer = consumers()
    insert_mention_tweets(postgresql, alice, 1)
    wait_for(lambda: scalar(postgresql, "select count(*) from public.notifications") == 1, 30, "a first one")
    latencies = []
    for n in range(1, 6):
        started = time.monotonic()
        insert_mention_tweets(postgresql, alice, 1, first=n)
        wait_for(lambda: scalar(postgresql, "select count(*) from public.notifications") == n + 1, 5,
                 f"notification {n}")
        latencies.append(time.monotonic() - started)
    # Polling alone (once a second) would make the median about half a second.
    assert sorted(latencies)[2] < 0.25, latencies
    assert consumer.terminate() == 0


def test_metrics_count_processed_messages(postgresql, alice, bob, consumers, unused_port):
    consumer = consumers(CONSUMER_METRICS_PORT=str(unused_port))
    insert_mention_tweets(postgresql, alice, 3)
    wait_for(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 30, "an empty queue")
    import requests

    text = wait_for(lambda: _metrics_text(requests, unused_port), 10, "the metrics endpoint")
    assert 'consumer_events_processed_total{type="tweet.created"} 3.0' in text
    assert "consumer_event_lag_seconds_count 3.0" in text
    assert consumer.terminate() == 0


def _metrics_text(requests, port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except requests.ConnectionError:
        return None
