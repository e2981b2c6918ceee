"""Rate limits: per user for writes, per address for anonymous reads; shared through Redis by workers."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests.api.conftest import settings_for
from tests.api.test_tweets import assert_problem, post_tweet
from tests.helpers.web import requests_over_all_workers

REDIS_URL = "redis://127.0.0.1:6379"


def test_the_write_limit_is_per_user_and_answers_429_with_headers(app_factory, database_url, alice_headers,
                                                                   bob_headers):
    client = app_factory(settings_for(database_url, rate_limit_write="3/minute")).test_client()
    statuses = [post_tweet(client, alice_headers, f"t{number}").status_code for number in range(3)]
    assert statuses == [201, 201, 201]
    limited = post_tweet(client, alice_headers, "one too many")
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3" and limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > 0
    # Another user has a budget of their own; reads are a separate budget.
    assert post_tweet(client, bob_headers, "bob").status_code == 201
    assert client.get("/tweets", headers=alice_headers).status_code == 200


def test_the_read_limit_counts_anonymous_callers_by_address(app_factory, database_url, alice_headers):
    client = app_factory(settings_for(database_url, rate_limit_read="2/minute")).test_client()
    assert [client.get("/tweets").status_code for _ in range(2)] == [200, 200]
    assert_problem(client.get("/trends"), 429)
    assert client.get("/tweets", headers=alice_headers).status_code == 200
    other_address = client.get("/tweets", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert other_address.status_code == 200
    # Probes and metrics are never limited.
    assert all(client.get(path).status_code == 200 for path in ("/healthz", "/openapi.json", "/metrics"))


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        pytest.fail(f"the machine's Redis at {REDIS_URL} is required for this test: {error}")


def test_a_redis_limit_holds_across_two_gunicorn_workers(web_factory, database_url, redis_available):
    limit = 12
    # Per hour: the window must not roll over while the test runs.
    server = web_factory(database_url, workers=2, RATELIMIT_STORAGE_URI=REDIS_URL,
                         RATE_LIMIT_READ=f"{limit}/hour", RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    statuses = requests_over_all_workers(server, "/tweets", workers=2, batch=2 * limit)
    assert statuses.count(200) == limit and statuses.count(429) == len(statuses) - limit


def test_memory_storage_is_per_worker(web_factory, database_url):
    """The contrast that makes the Redis test meaningful: memory:// lets each worker count alone."""
    limit = 12
    server = web_factory(database_url, workers=2, RATELIMIT_STORAGE_URI="memory://", RATE_LIMIT_READ=f"{limit}/hour")
    statuses = requests_over_all_workers(server, "/tweets", workers=2, batch=4 * limit)
    # Each worker grants its own budget: more than the limit gets through in total.
    assert limit < statuses.count(200) <= 2 * limit
