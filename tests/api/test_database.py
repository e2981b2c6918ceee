"""The per-request transaction: caller settings end with it; prepared statements can be turned off."""

from __future__ import annotations

import pytest

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
