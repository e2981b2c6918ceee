"""What the API does when something it depends on fails: a replica down, a slow query, the JWKS away."""

from __future__ import annotations

import time

import jwt
import psycopg
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from tests.api import throwaway_postgres
from tests.api.conftest import bearer, make_token, settings_for
from tests.api.test_processes import own_primary  # noqa: F401 - fixture
from tests.api.test_tweets import assert_problem, post_tweet
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import free_port, wait_until
from tests.helpers.web import requests_over_all_workers

DEADLINE_SECONDS = 30.0


def test_a_statement_over_the_timeout_answers_503(app_factory, database_url, postgresql, alice, alice_headers):
    client = app_factory(settings_for(database_url, statement_timeout_ms=300)).test_client()
    assert client.put("/me", json={"username": "alice"}, headers=alice_headers).status_code == 200
    # Another transaction holds Alice's profile: her update waits on the lock until the timeout.
    postgresql.execute("select from public.profiles where id = %s for update", (alice,))
    started = time.monotonic()
    response = client.put("/me", json={"username": "alice", "full_name": "A"}, headers=alice_headers)
    elapsed = time.monotonic() - started
    postgresql.rollback()
    problem = assert_problem(response, 503)
    assert "longer than the database allows" in problem["detail"] and response.headers["Retry-After"]
    assert 0.3 <= elapsed < 3, elapsed
    # The lock gone, the same request succeeds on the same pool.
    assert client.put("/me", json={"username": "alice", "full_name": "A"}, headers=alice_headers).status_code == 200


def test_the_timeout_is_set_per_transaction(app_factory, database_url, alice_headers):
    app = app_factory(settings_for(database_url, statement_timeout_ms=1234, web_threads=1))
    assert app.test_client().get("/timeline", headers=alice_headers).status_code == 200
    with app.extensions["database"].primary.connection() as connection:
        setting = connection.execute("select current_setting('statement_timeout') as value").fetchone()
    assert setting["value"] == "0"


def test_an_unreachable_jwks_answers_503_not_401(app_factory, database_url, alice):
    nowhere = f"http://127.0.0.1:{free_port()}"
    client = app_factory(settings_for(database_url, supabase_url=nowhere)).test_client()
    token = jwt.encode({"sub": str(alice), "role": "authenticated", "aud": "authenticated",
                        "exp": int(time.time()) + 600},
                       ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": "k"})
    response = client.get("/me", headers=bearer(token))
    problem = assert_problem(response, 503)
    assert "signing keys" in problem["detail"] and "WWW-Authenticate" not in response.headers
    # An HS256 token without a key id still works: the JWKS is not needed for it.
    assert client.get("/timeline", headers=bearer(make_token(alice))).status_code == 200


def test_reads_fall_back_to_the_primary_while_the_replica_is_down(app_factory, own_primary):  # noqa: F811
    replica = own_primary.replica()
    try:
        with psycopg.connect(own_primary.url) as connection:
            headers = bearer(make_token(create_user(connection, "alice")))
        client = app_factory(settings_for(own_primary.url, database_read_url=replica.url)).test_client()
        replay = psycopg.connect(replica.url, autocommit=True)
        wait_until(lambda: client.get("/users/alice").status_code == 200, DEADLINE_SECONDS, "replication")
        pause(replay)
        first = post_tweet(client, headers, "first").json["id"]
        assert client.get(f"/tweets/{first}").status_code == 404  # read on the paused replica
        replay.close()
        replica.stop()
        for _ in range(3):
            started = time.monotonic()
            assert client.get(f"/tweets/{first}").status_code == 200  # read on the primary
            assert time.monotonic() - started < 2
        replica.start()
        replay = psycopg.connect(replica.url, autocommit=True)
        wait_until(lambda: client.get(f"/tweets/{first}").status_code == 200, DEADLINE_SECONDS, "replay")
        pause(replay)
        second = post_tweet(client, headers, "second").json["id"]
        # Back on the replica: its paused replay hides the new tweet from reads again.
        wait_until(lambda: client.get(f"/tweets/{second}").status_code == 404, DEADLINE_SECONDS,
                   "reads to return to the replica")
        replay.execute("select pg_wal_replay_resume()")
        replay.close()
    finally:
        throwaway_postgres.destroy(replica)


def pause(connection: psycopg.Connection) -> None:
    """Pause the replica's replay and wait until it has stopped."""
    connection.execute("select pg_wal_replay_pause()")
    wait_until(lambda: connection.execute("select pg_get_wal_replay_pause_state()").fetchone()[0] == "paused",
               DEADLINE_SECONDS, "replay to pause")


# Longer than psycopg_pool's doubling back-off would wait before its next reconnection attempt
# after the first few (1 + 2 + 4 s): uncapped, the pools would reconnect seconds after the restart.
OUTAGE_SECONDS = 8.0
# A request on a healthy pool takes milliseconds; one that waits for a connection waits 1 s.
FAST_SECONDS = 1.5


def test_after_a_database_restart_no_request_fails_or_waits(web_factory, own_primary):  # noqa: F811
    with psycopg.connect(own_primary.url) as connection:
        headers = bearer(make_token(create_user(connection, "alice")))
    server = web_factory(own_primary.url, workers=2, RATE_LIMIT_READ="100000/minute",
                         RATE_LIMIT_WRITE="100000/minute")
    # Both workers' pools (requests and limits) hold connections that the restart will kill.
    assert set(requests_over_all_workers(server, "/timeline", workers=2, batch=8, headers=headers)) == {200}
    own_primary.stop()
    stopped_at = time.monotonic()
    wait_until(lambda: requests.get(server.url("/readyz"), timeout=10).status_code == 503
               and time.monotonic() - stopped_at > OUTAGE_SECONDS, DEADLINE_SECONDS, "a long outage")
    own_primary.start()
    outcomes = []
    for number in range(30):
        started = time.monotonic()
        if number % 3 == 0:
            response = requests.post(server.url("/tweets"), json={"content": f"after {number}"}, headers=headers,
                                     timeout=30)
        else:
            response = requests.get(server.url("/timeline"), headers=headers, timeout=30)
        outcomes.append((response.status_code, round(time.monotonic() - started, 2)))
    assert all(status in (200, 201) and elapsed < FAST_SECONDS for status, elapsed in outcomes), outcomes
    # Every worker says it is ready, and is.
    assert set(requests_over_all_workers(server, "/readyz", workers=2, batch=8)) == {200}


def test_readyz_says_503_while_the_database_is_away_in_every_worker(web_factory, own_primary):  # noqa: F811
    server = web_factory(own_primary.url, workers=2)
    assert set(requests_over_all_workers(server, "/readyz", workers=2, batch=8)) == {200}
    own_primary.stop()
    statuses = requests_over_all_workers(server, "/readyz", workers=2, batch=8)
    assert set(statuses) == {503}, statuses
    problem = requests.get(server.url("/readyz"), timeout=10).json()
    assert "database is unavailable" in problem["detail"], problem
