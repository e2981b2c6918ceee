"""What the API does when something it depends on fails: a replica down, a slow query, the JWKS away."""

from __future__ import annotations

import time

import jwt
import psycopg
from cryptography.hazmat.primitives.asymmetric import ec

from tests.api import throwaway_postgres
from tests.api.conftest import bearer, make_token, settings_for
from tests.api.test_processes import own_primary  # noqa: F401 - fixture
from tests.api.test_tweets import assert_problem, post_tweet
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import free_port, wait_until

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
