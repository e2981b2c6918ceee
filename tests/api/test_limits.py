"""Rate limits: per user for writes, per address for anonymous reads; by default kept in the database,
so they hold across gunicorn workers and web processes; `redis://` and `memory://` still work."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
import requests

from tests.api.conftest import settings_for
from tests.api.test_tweets import assert_problem, post_tweet
from tests.helpers.web import requests_over_all_workers

REDIS_URL = "redis://127.0.0.1:6379"


def set_database_write_limit(connection, max_writes: int, period_seconds: int) -> None:
    """The operator's psql statement (README, "Rate limits")."""
    connection.execute("update public.write_limit set max_writes = %s, period_seconds = %s",
                       (max_writes, period_seconds))
    connection.commit()


def test_a_database_write_limit_refusal_is_a_429_with_headers(app_factory, database_url, postgresql,
                                                              alice_headers, bob_headers, bob):
    set_database_write_limit(postgresql, 3, 3600)
    client = app_factory(settings_for(database_url)).test_client()
    tweet = post_tweet(client, bob_headers, "bob's").json
    statuses = [post_tweet(client, alice_headers, "t1").status_code,
                client.post(f"/tweets/{tweet['id']}/like", headers=alice_headers).status_code,
                client.post("/users/bob/follow", headers=alice_headers).status_code]
    assert statuses == [201, 200, 200]
    started = time.time()
    limited = post_tweet(client, alice_headers, "one too many")
    problem = assert_problem(limited, 429)
    assert "retry in" in problem["detail"]
    retry_after = int(limited.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    assert limited.headers["X-RateLimit-Limit"] == "3" and limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) == pytest.approx(started + retry_after, abs=2)
    assert_problem(client.post("/users/bob/follow", headers=alice_headers), 429)
    # Nothing of the refused requests stays; bob has a budget of his own.
    assert [t["content"] for t in client.get("/users/alice/tweets").json["data"]] == ["t1"]
    assert post_tweet(client, bob_headers, "bob again").status_code == 201


def test_other_writes_are_limited_per_user_by_the_web_tier(app_factory, database_url, alice_headers,
                                                           bob_headers):
    client = app_factory(settings_for(database_url, rate_limit_write="3/minute")).test_client()
    put_me = [client.put("/me", json={"username": "alice"}, headers=alice_headers) for _ in range(3)]
    assert [response.status_code for response in put_me] == [200, 200, 200]
    assert put_me[-1].headers["X-RateLimit-Remaining"] == "0"
    limited = client.put("/me", json={"username": "alice"}, headers=alice_headers)
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3" and limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > time.time()
    # Another user has a budget of their own; reads are a separate budget.
    assert client.put("/me", json={"username": "bob"}, headers=bob_headers).status_code == 200
    assert client.get("/tweets", headers=alice_headers).status_code == 200


def test_the_application_limits_are_parsed_once_and_still_count_per_caller(app_factory, database_url,
                                                                           alice_headers, bob_headers):
    app = app_factory(settings_for(database_url, rate_limit_write="2/minute"))
    client = app.test_client()
    (limiter,) = app.extensions["limiter"]
    assert [client.put("/me", json={"username": "alice"}, headers=alice_headers).status_code
            for _ in range(3)] == [200, 200, 429]
    assert client.put("/me", json={"username": "bob"}, headers=bob_headers).headers["X-RateLimit-Remaining"] == "1"
    before, after = limiter.limit_manager.application_limits, limiter.limit_manager.application_limits
    assert str(before[0].limit) == "2 per 1 minute"
    assert all(first is second for first, second in zip(before, after))


def test_the_read_limit_counts_anonymous_callers_by_address(app_factory, database_url, alice_headers):
    client = app_factory(settings_for(database_url, rate_limit_read="2/minute")).test_client()
    assert [client.get("/tweets").status_code for _ in range(2)] == [200, 200]
    assert_problem(client.get("/trends"), 429)
    assert client.get("/tweets", headers=alice_headers).status_code == 200
    other_address = client.get("/tweets", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert other_address.status_code == 200
    # Probes and metrics are never limited.
    assert all(client.get(path).status_code == 200 for path in ("/healthz", "/openapi.json", "/metrics"))


def test_the_default_limit_holds_across_two_gunicorn_workers(web_factory, database_url, postgresql):
    limit = 12
    # Per hour: the window must not roll over while the test runs.
    server = web_factory(database_url, workers=2, RATE_LIMIT_READ=f"{limit}/hour")
    statuses = requests_over_all_workers(server, "/tweets", workers=2, batch=2 * limit)
    assert statuses.count(200) == limit and statuses.count(429) == len(statuses) - limit
    # The counters are rows in the database, not anything a worker holds.
    assert postgresql.execute("select hits from public.rate_limit_counters where key like %s",
                              ("%address:127.0.0.1%read%",)).fetchone()[0] == len(statuses)


def test_the_default_limit_holds_across_two_web_processes(web_factory, database_url, new_user):
    limit = 10
    _, headers = new_user("alice")
    environment = {"RATE_LIMIT_WRITE": f"{limit}/hour"}
    first, second = web_factory(database_url, **environment), web_factory(database_url, **environment)
    statuses = []
    for number in range(limit + 4):
        server = (first, second)[number % 2]
        statuses.append(requests.put(server.url("/me"), json={"username": "alice"}, headers=headers,
                                     timeout=10).status_code)
    assert statuses == [200] * limit + [429] * 4


def test_the_web_write_limit_counts_tweets_likes_and_follows(app_factory, database_url, postgresql, alice,
                                                              alice_headers, bob_headers, bob):
    """The web process's own RATE_LIMIT_WRITE holds on every write, the database's limit besides."""
    client = app_factory(settings_for(database_url, rate_limit_write="3/minute")).test_client()
    tweet = post_tweet(client, bob_headers, "bob's").json
    statuses = [post_tweet(client, alice_headers, "t1").status_code,
                client.post(f"/tweets/{tweet['id']}/like", headers=alice_headers).status_code,
                client.post("/users/bob/follow", headers=alice_headers).status_code,
                post_tweet(client, alice_headers, "t2").status_code]
    assert statuses == [201, 200, 200, 429]
    # The database's own, higher, limit counted the three inserts that went through.
    assert postgresql.execute("select writes from public.write_counters where user_id = %s",
                              (alice,)).fetchone()[0] == 3


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} for the redis:// storage test: {error}")


def test_a_redis_limit_holds_across_two_gunicorn_workers(web_factory, database_url, redis_available):
    limit = 12
    server = web_factory(database_url, workers=2, RATELIMIT_STORAGE_URI=REDIS_URL,
                         RATE_LIMIT_READ=f"{limit}/hour", RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    statuses = requests_over_all_workers(server, "/tweets", workers=2, batch=2 * limit)
    assert statuses.count(200) == limit and statuses.count(429) == len(statuses) - limit


def test_memory_storage_is_per_worker(web_factory, database_url):
    """memory:// still works, and lets each worker count alone, as the contract says."""
    limit = 12
    server = web_factory(database_url, workers=2, RATELIMIT_STORAGE_URI="memory://", RATE_LIMIT_READ=f"{limit}/hour")
    statuses = requests_over_all_workers(server, "/tweets", workers=2, batch=4 * limit)
    # Each worker grants its own budget: more than the limit gets through in total.
    assert limit < statuses.count(200) <= 2 * limit
