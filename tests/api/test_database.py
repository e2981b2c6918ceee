"""The per-request transaction: caller settings end with it; prepared statements can be turned off."""

from __future__ import annotations

import pytest
from psycopg import pq

from tests.api.conftest import settings_for
from tests.api.test_tweets import post_tweet


def test_nothing_leaks_to_the_next_request_on_a_connection(app_factory, database_url, alice_headers):
    # One thread, one pooled connection: every request below uses the same one.
    app = app_factory(settings_for(database_url, web_threads=1))
    client = app.test_client()
    assert post_tweet(client, alice_headers).status_code == 201
    assert client.get("/timeline", headers=alice_headers).status_code == 200
    with app.extensions["database"].primary.connection() as connection:
        row = connection.execute(
            "select current_user as role, current_setting('request.jwt.claims', true) as claims").fetchone()
    assert row["role"] == "postgres" and not row["claims"]


def test_without_prepared_statements_for_a_transaction_pooler(app_factory, database_url, alice_headers):
    app = app_factory(settings_for(database_url, prepared_statements=False, web_threads=1))
    client = app.test_client()
    # More executions of one query than psycopg's default threshold (5) for preparing it.
    for number in range(8):
        assert post_tweet(client, alice_headers, f"t{number}").status_code == 201
        assert client.get("/tweets").status_code == 200
    with app.extensions["database"].primary.connection() as connection:
        assert connection.prepare_threshold is None
        prepared = connection.execute("select count(*) as count from pg_prepared_statements").fetchone()
    assert prepared["count"] == 0


@pytest.mark.direct_database
def test_with_prepared_statements_by_default(app_factory, database_url, alice_headers):
    app = app_factory(settings_for(database_url, web_threads=1))
    client = app.test_client()
    for _ in range(8):
        assert client.get("/tweets").status_code == 200
    with app.extensions["database"].primary.connection() as connection:
        prepared = connection.execute("select count(*) as count from pg_prepared_statements").fetchone()
    assert prepared["count"] > 0


def round_trips(trace: str) -> int:
    """How many times libpq's protocol trace turns from the client's messages to the server's."""
    directions = [line.split("\t")[0] for line in trace.splitlines() if line]
    return sum(1 for before, after in zip(directions, directions[1:]) if (before, after) == ("F", "B"))


def test_a_request_transaction_takes_two_round_trips(app_factory, database_url, alice_headers, tmp_path):
    # BEGIN, the caller's settings and the insert, then COMMIT with the pipeline's Sync.
    app = app_factory(settings_for(database_url, web_threads=1))
    client = app.test_client()
    assert post_tweet(client, alice_headers, "first").status_code == 201  # the caller's account, checked once
    pool = app.extensions["database"].primary
    with (tmp_path / "trace").open("w") as trace:
        with pool.connection() as connection:  # the pool's only one: the next request's
            connection.pgconn.trace(trace.fileno())
            connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        assert post_tweet(client, alice_headers, "second").status_code == 201
        with pool.connection() as connection:
            connection.pgconn.untrace()
    assert round_trips((tmp_path / "trace").read_text()) == 2


def test_an_error_rolls_back_and_the_connection_goes_back_as_it_came(app_factory, database_url, alice_headers):
    app = app_factory(settings_for(database_url, web_threads=1))
    client = app.test_client()
    # The insert fails (its parent does not exist): 422, and nothing of the transaction stays.
    missing = "00000000-0000-4000-8000-000000000000"
    assert post_tweet(client, alice_headers, "orphan", reply_to_id=missing).status_code == 422
    assert post_tweet(client, alice_headers, "kept").status_code == 201
    with app.extensions["database"].primary.connection() as connection:
        assert not connection.autocommit
        assert connection.info.transaction_status == pq.TransactionStatus.IDLE
        contents = [row["content"] for row in connection.execute("select content from tweets")]
    assert contents == ["kept"]
