"""The web process behind a real PgBouncer in transaction mode: right with prepared statements off,
and a clear 503 (never a 500) with one log line naming the setting when they are left on.

The rest of tests/api runs behind it too with `pytest tests/api --database-pooler=pgbouncer`
(`make test` does); these tests use the pooler in either run. Without `pgbouncer` installed they
are skipped, saying so.
"""

from __future__ import annotations

import concurrent.futures

import requests

from tests.api.conftest import GENEROUS_LIMIT, bearer, make_token
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
    headers = bearer(make_token(create_user(postgresql, "alice")))
    server = web_factory(pgbouncer.url(database_url), DATABASE_PREPARED_STATEMENTS="true",
                         RATE_LIMIT_READ=GENEROUS_LIMIT)
    statuses = get_many(server.url("/tweets"), headers) + get_many(server.url("/timeline"), headers)
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses, "PgBouncer handed every transaction the connection it prepared on"
    lines = [line for line in server.log().splitlines() if "DATABASE_PREPARED_STATEMENTS=false" in line]
    assert len(lines) == statuses.count(503)
    assert all("Traceback" not in line for line in server.log().splitlines())
