"""The web process behind a real PgBouncer in transaction mode: right with prepared statements off,
and a clear 503 (never a 500) with one log line naming the setting when they are left on.

The rest of tests/api runs behind it too with `pytest tests/api --database-pooler=pgbouncer`
(`make test` does); these tests use the pooler in either run. Without `pgbouncer` installed they
are skipped, saying so.
"""

from __future__ import annotations

import concurrent.futures
import logging

import pytest
import requests

from tests.api.conftest import GENEROUS_LIMIT, bearer, make_token, settings_for
from tests.helpers.fixtures import create_user

REQUESTS = 200
CONCURRENT_CLIENTS = 8


def get_many(url: str, headers: dict) -> list[int]:
    """REQUESTS GETs of `url` from CONCURRENT_CLIENTS clients at once: their status codes."""
    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_CLIENTS) as clients:
        return list(clients.map(lambda _: requests.get(url, headers=headers, timeout=30).status_code,
                                range(REQUESTS)))


def test_the_api_works_behind_pgbouncer_without_prepared_statements(web_factory, database_url, pgbouncer, postgresql):
    headers = bearer(make_token(create_user(postgresql, "alice")))
    server = web_factory(pgbouncer.url(database_url), DATABASE_PREPARED_STATEMENTS="false",
                         RATE_LIMIT_READ=GENEROUS_LIMIT)
    for number in range(3):
        assert requests.post(server.url("/tweets"), json={"content": f"t{number}"}, headers=headers,
                             timeout=10).status_code == 201
    assert set(get_many(server.url("/tweets"), headers)) == {200}
    assert set(get_many(server.url("/timeline"), headers)) == {200}
    assert len(requests.get(server.url("/timeline"), headers=headers, timeout=10).json()["data"]) == 3


def test_prepared_statements_left_on_answer_503_and_name_the_setting(web_factory, database_url, pgbouncer, postgresql):
    """Detected on the first request (api/pooler.py): every request 503, /readyz too, one log line."""
    headers = bearer(make_token(create_user(postgresql, "alice")))
    server = web_factory(pgbouncer.url(database_url), DATABASE_PREPARED_STATEMENTS="true",
                         RATE_LIMIT_READ=GENEROUS_LIMIT)
    statuses = get_many(server.url("/tweets"), headers) + get_many(server.url("/timeline"), headers)
    assert set(statuses) == {503}, statuses
    assert requests.get(server.url("/readyz"), timeout=10).status_code == 503
    lines = [line for line in server.log().splitlines() if "DATABASE_PREPARED_STATEMENTS=false" in line]
    assert len(lines) == 1, lines
    assert "Traceback" not in server.log()


@pytest.mark.direct_database
def test_prepared_statement_errors_answer_503_and_name_the_setting(app_factory, database_url, logged):
    """Should the check miss a pooler, its errors (SQLSTATE 26000) still answer 503, not 500."""
    app = app_factory(settings_for(database_url, web_threads=1))
    client = app.test_client()
    for _ in range(6):  # psycopg prepares a query on its 5th execution
        assert client.get("/tweets").status_code == 200
    with app.extensions["database"].primary.connection() as connection:
        # What another server connection looks like: psycopg does not see this DEALLOCATE.
        connection.execute("do $$ begin execute 'deallocate all'; end $$")
    response = client.get("/tweets")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert [record.getMessage() for record in logged if "DATABASE_PREPARED_STATEMENTS=false" in
            record.getMessage()] != []


@pytest.fixture
def logged():
    """The records of api.caller.database (that logger does not propagate to pytest's caplog)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("api.caller.database")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
