"""Many processes at once: two web hosts (two gunicorns on two ports) and two consumer processes on
one database, while clients write through both hosts. Every event is processed once (the counters
say so), every notification and home timeline entry appears once, nothing is dead-lettered, and an
Idempotency-Key sent to both hosts at once still creates one tweet.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import uuid

import psycopg
import requests

from tests.api.conftest import GENEROUS_LIMIT, bearer, make_token
from tests.helpers.consumer_process import ConsumerProcess
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import wait_until
from tests.helpers.web import web_factory  # noqa: F401 - fixture

USERS = 6
TWEETS_PER_USER = 8
DRAIN_DEADLINE_SECONDS = 60.0


def test_two_hosts_and_two_consumers_process_everything_once(web_factory, database_url, postgresql):  # noqa: F811
    names = [f"user{number}" for number in range(USERS)]
    ids = {name: create_user(postgresql, name) for name in names}
    headers = {name: bearer(make_token(ids[name])) for name in names}
    limits = {"RATE_LIMIT_WRITE": GENEROUS_LIMIT, "RATE_LIMIT_READ": GENEROUS_LIMIT}
    hosts = [web_factory(database_url, **limits), web_factory(database_url, **limits)]
    consumers = [ConsumerProcess(database_url, CONSUMER_BATCH_SIZE="5") for _ in range(2)]
    try:
        host_of = itertools.cycle(hosts)
        # Each user follows the next two, through alternating hosts.
        follows = [(name, names[(index + step) % USERS]) for index, name in enumerate(names) for step in (1, 2)]
        for follower, followee in follows:
            assert requests.post(next(host_of).url(f"/users/{followee}/follow"), headers=headers[follower],
                                 timeout=10).status_code == 200
        tweets = write_through_both(hosts, names, headers)
        tweets.append((names[0], None, idempotent_twice(hosts, headers[names[0]])))
        wait_until(lambda: queue_empty(postgresql), DRAIN_DEADLINE_SECONDS, "the consumers to drain the queue")
        assert_processed_once(postgresql, ids, follows, tweets)
        for consumer in consumers:
            assert consumer.terminate() == 0, consumer.log()
        # Each event once, by one consumer or the other: 12 follows and 49 tweets.
        assert sum(map(processed, consumers)) == len(follows) + len(tweets)
    finally:
        for consumer in consumers:
            consumer.close()


def processed(consumer: ConsumerProcess) -> int:
    """The count a stopped consumer logged with "consumer stopped"."""
    for line in consumer.log().splitlines():
        if '"consumer stopped"' in line:
            return json.loads(line)["processed"]
    raise AssertionError(f"no 'consumer stopped' line:\n{consumer.log()}")


def write_through_both(hosts, names, headers) -> list[tuple[str, str, str]]:
    """Every user tweets, mentioning the next user, from threads spread over both hosts; (author, mentioned, id)."""
    def post(job):
        host, author, mentioned, number = job
        response = requests.post(host.url("/tweets"), json={"content": f"hi @{mentioned} #{number}"},
                                 headers=headers[author], timeout=30)
        assert response.status_code == 201, response.text
        return author, mentioned, response.json()["id"]

    jobs = [(hosts[number % 2], name, names[(index + 1) % len(names)], number)
            for index, name in enumerate(names) for number in range(TWEETS_PER_USER)]
    with concurrent.futures.ThreadPoolExecutor(8) as clients:
        return list(clients.map(post, jobs))


def idempotent_twice(hosts, author_headers) -> str:
    """One Idempotency-Key sent through both hosts at once: both answer the same tweet, its id."""
    def post(host):
        return requests.post(host.url("/tweets"), json={"content": "once only"}, timeout=30,
                             headers={**author_headers, "Idempotency-Key": "both-hosts"}).json()["id"]

    with concurrent.futures.ThreadPoolExecutor(2) as clients:
        first, second = clients.map(post, hosts)
    assert first == second
    return first


def queue_empty(connection: psycopg.Connection) -> bool:
    count = connection.execute("select count(*) from pgmq.q_events").fetchone()[0]
    connection.commit()
    return count == 0


def assert_processed_once(connection, ids, follows, tweets) -> None:
    """Counters, notifications and timelines are exactly what one processing of each event gives."""
    name_of = {user_id: name for name, user_id in ids.items()}
    counts = {name_of[row[0]]: row[1:] for row in connection.execute(
        "select user_id, tweet_count, follower_count, following_count from public.profile_counters")}
    for name in ids:
        written = sum(1 for author, _, _ in tweets if author == name)
        assert counts[name] == (written, 2, 2), name
    mentions = connection.execute(
        "select recipient_id, actor_id, tweet_id from public.notifications where type = 'mention'").fetchall()
    assert sorted(mentions) == sorted((ids[mentioned], ids[author], uuid.UUID(tweet_id))
                                      for author, mentioned, tweet_id in tweets if mentioned)
    assert connection.execute("select count(*) from public.notifications where type = 'follow'").fetchone()[0] \
        == len(follows)
    entries = connection.execute("select user_id, tweet_id from public.home_timeline").fetchall()
    expected = {(ids[follower], tweet_id) for follower, followee in follows
                for author, _, tweet_id in tweets if author == followee}
    assert len(entries) == len(set(entries))
    assert {(user_id, str(tweet_id)) for user_id, tweet_id in entries} == expected
    assert connection.execute("select count(*) from pgmq.a_events").fetchone()[0] == 0
    assert connection.execute("select count(*) from public.event_failures").fetchone()[0] == 0
    connection.commit()
