"""The real `python -m consumer` process: crashes, concurrency, signals and listening."""

from __future__ import annotations

import json
import signal
import time

import requests

from chirp.settings import Settings
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import wait_until

# Worker threads per consumer process (CONSUMER_CONCURRENCY, from the environment the processes
# inherit, else the default): each has its own two connections.
CONCURRENCY = Settings.from_environment().consumer_concurrency

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


def test_sigkill_again_and_again_during_a_burst_loses_and_repeats_nothing(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    # Rounds large enough that a fast consumer on a quiet machine is still busy when it is killed.
    tweets_per_round, rounds = 600, 6
    interrupted_work = 0
    for round_number in range(rounds):
        insert_mention_tweets(postgresql, alice, tweets_per_round, first=round_number * tweets_per_round)
        consumer = consumers(CONSUMER_BATCH_SIZE="10")
        already = scalar(postgresql, "select count(*) from public.notifications")
        # Kill it while it is busy: once it has committed something in this round.
        wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") > already + 20,
                 30, f"progress in round {round_number}")
        consumer.kill()
        # Messages it had read and not yet deleted: the kill landed mid-batch.
        interrupted_work += scalar(postgresql, "select count(*) from pgmq.q_events where read_ct > 0"
                                               " and vt > clock_timestamp()")
    assert interrupted_work > 0, "no kill landed while a batch was in hand"
    consumer = consumers()
    total = tweets_per_round * rounds
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 60, "an empty queue")
    assert consumer.terminate() == 0
    assert_exactly_once(postgresql, alice, total)


def test_two_consumers_share_a_backlog_without_duplicate_effects(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    tweets = 3000
    first, second = consumers(CONSUMER_BATCH_SIZE="50"), consumers(CONSUMER_BATCH_SIZE="50")
    # Both listening before the backlog arrives, so that neither can drain it alone before the other starts.
    wait_until(lambda: listening_consumers(postgresql) == 2 * CONCURRENCY, 30, "two listening consumers")
    insert_mention_tweets(postgresql, alice, tweets)
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 90, "an empty queue")
    assert first.terminate() == 0 and second.terminate() == 0
    assert_exactly_once(postgresql, alice, tweets)
    processed = [processed_count(process.log()) for process in (first, second)]
    assert sum(processed) == tweets
    assert min(processed) > 0, f"one consumer did all the work: {processed}"


def test_the_workers_of_one_process_share_a_backlog_without_duplicate_effects(postgresql, alice, bob, consumers):
    create_user(postgresql, "carol")
    tweets = 3000
    consumer = consumers(CONSUMER_BATCH_SIZE="20", CONSUMER_CONCURRENCY="3")
    wait_until(lambda: listening_consumers(postgresql) == 3, 30, "three listening workers")
    insert_mention_tweets(postgresql, alice, tweets)
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 90, "an empty queue")
    assert consumer.terminate() == 0
    assert_exactly_once(postgresql, alice, tweets)
    assert processed_count(consumer.log()) == tweets


def listening_consumers(connection) -> int:
    """How many connections of this database listen for the queue's insert notification."""
    # The pattern goes as a parameter: in the query's own text it would count this query too.
    return scalar(connection, "select count(*) from pg_stat_activity"
                              " where datname = current_database() and query like %s",
                  ('%listen "pgmq.q_events.INSERT"%',))


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
    wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") > 0, 30, "progress")
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
    wait_until(lambda: "consumer started" in consumer.log(), 30, "the consumer to start")
    assert consumer.terminate() == 0
    assert "consumer stopped" in consumer.log()


def test_a_new_tweet_is_noticed_at_once_not_at_the_next_poll(postgresql, alice, bob, consumers):
    consumer = consumers()
    insert_mention_tweets(postgresql, alice, 1)
    wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") == 1, 30, "a first one")
    latencies = []
    for n in range(1, 6):
        started = time.monotonic()
        insert_mention_tweets(postgresql, alice, 1, first=n)
        wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") == n + 1, 5,
                 f"notification {n}")
        latencies.append(time.monotonic() - started)
    # Polling alone (once a second) would make the median about half a second.
    assert sorted(latencies)[2] < 0.25, latencies
    assert consumer.terminate() == 0


def test_metrics_count_processed_messages(postgresql, alice, bob, consumers, unused_port):
    consumer = consumers(CONSUMER_METRICS_PORT=str(unused_port))
    insert_mention_tweets(postgresql, alice, 3)
    wait_until(lambda: scalar(postgresql, "select count(*) from pgmq.q_events") == 0, 30, "an empty queue")
    text = wait_until(lambda: metrics_text(unused_port), 10, "the metrics endpoint")
    assert 'consumer_events_processed_total{type="tweet.created"} 3.0' in text
    assert "consumer_event_lag_seconds_count 3.0" in text
    assert consumer.terminate() == 0


def metrics_text(port: int) -> str | None:
    """The consumer's /metrics page, or None while it does not answer yet."""
    try:
        return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except requests.RequestException:
        return None


def test_a_second_sigterm_exits_at_once_and_the_batch_comes_back(postgresql, alice, bob, consumers):
    # A batch that hangs in the database: the first SIGTERM waits for it, the second does not.
    postgresql.execute("""
        create function public.slow_notifications() returns trigger language plpgsql as $$
        begin perform pg_sleep(60); return new; end $$;
        create trigger slow_notifications before insert on public.notifications
          for each row execute function public.slow_notifications();
    """)
    postgresql.commit()
    insert_mention_tweets(postgresql, alice, 1)
    consumer = consumers()
    wait_until(lambda: scalar(postgresql, "select count(*) from pg_stat_activity"
                                        " where query like '%%insert into public.notifications%%'"
                                        " and wait_event = 'PgSleep'"), 30, "the consumer to hang")
    consumer.process.send_signal(signal.SIGTERM)
    # Two signals in quick succession can merge into one delivery: wait until the first is handled.
    wait_until(lambda: "stopping after the batch in hand" in consumer.log(), 10, "the first signal's handling")
    assert consumer.process.poll() is None  # still finishing the batch in hand
    started = time.monotonic()
    consumer.process.send_signal(signal.SIGTERM)
    assert consumer.process.wait(10) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 5
    # Nothing was committed: the message is still queued, to come back after its visibility timeout.
    postgresql.execute("drop trigger slow_notifications on public.notifications")
    postgresql.commit()
    assert scalar(postgresql, "select count(*) from pgmq.q_events") == 1
    consumers()
    wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") == 1, 30, "the retry")


def test_the_consumer_reconnects_after_losing_its_connections(postgresql, alice, bob, consumers):
    consumer = consumers()
    wait_until(lambda: listening_consumers(postgresql) == CONCURRENCY, 30, "a listening consumer")
    terminated = scalar(postgresql, "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                                    " where datname = current_database() and pid <> pg_backend_pid()")
    assert terminated == 2 * CONCURRENCY  # each worker's working connection and its listening one
    insert_mention_tweets(postgresql, alice, 1)
    wait_until(lambda: scalar(postgresql, "select count(*) from public.notifications") == 1, 30, "a notification")
    assert consumer.process.poll() is None
    assert "database error, reconnecting" in consumer.log()
    assert consumer.terminate() == 0
