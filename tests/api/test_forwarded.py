"""The client's address behind trusted proxies (PROXY_HOPS), and expired Idempotency-Keys purged on write."""

from __future__ import annotations

import logging

import pytest

from chirp.settings import ConfigurationError, Settings
from tests.api.conftest import settings_for
from tests.api.test_tweets import assert_problem

PEER = "10.0.0.9"
FORWARDED = "203.0.113.7, 198.51.100.4"


class Recorder(logging.Handler):
    """Keeps the request log's records (that logger does not propagate to pytest's caplog)."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def request_log():
    recorder = Recorder()
    logger = logging.getLogger("api.requests")
    logger.addHandler(recorder)
    yield recorder.records
    logger.removeHandler(recorder)


@pytest.mark.parametrize(("hops", "address"), [(0, PEER), (1, "198.51.100.4"), (2, "203.0.113.7")])
def test_the_client_address_is_taken_only_from_trusted_hops(app_factory, database_url, request_log, hops, address):
    client = app_factory(settings_for(database_url, proxy_hops=hops)).test_client()
    response = client.get("/tweets", headers={"X-Forwarded-For": FORWARDED}, environ_base={"REMOTE_ADDR": PEER})
    assert response.status_code == 200
    assert request_log[-1].remote_addr == address


def test_anonymous_rate_limits_key_on_the_forwarded_address(app_factory, database_url):
    client = app_factory(settings_for(database_url, proxy_hops=1, rate_limit_read="2/minute")).test_client()

    def get(client_address: str):
        return client.get("/tweets", headers={"X-Forwarded-For": client_address},
                          environ_base={"REMOTE_ADDR": PEER})

    assert [get("192.0.2.1").status_code for _ in range(2)] == [200, 200]
    assert_problem(get("192.0.2.1"), 429)
    # Another client behind the same proxy has a budget of its own.
    assert get("192.0.2.2").status_code == 200


def test_proxy_hops_is_read_from_the_environment():
    assert Settings.from_environment({"PROXY_HOPS": "2"}).proxy_hops == 2
    assert Settings.from_environment({}).proxy_hops == 0
    with pytest.raises(ConfigurationError, match="PROXY_HOPS"):
        Settings.from_environment({"PROXY_HOPS": "-1"})


def test_expired_idempotency_keys_are_purged_by_later_writes(client, postgresql, alice, alice_headers, bob_headers):
    for number in range(15):
        client.post("/tweets", json={"content": f"t{number}"},
                    headers={**alice_headers, "Idempotency-Key": f"old-{number}"})
    postgresql.execute("update public.idempotency_keys set created_at = now() - interval '25 hours'")
    postgresql.commit()
    # Bob's keyed posts purge Alice's expired keys too, ten per request.
    client.post("/tweets", json={"content": "b1"}, headers={**bob_headers, "Idempotency-Key": "new-1"})
    assert count_keys(postgresql) == (5, 1)
    client.post("/tweets", json={"content": "b2"}, headers={**bob_headers, "Idempotency-Key": "new-2"})
    assert count_keys(postgresql) == (0, 2)


def count_keys(connection) -> tuple[int, int]:
    """(expired, fresh) Idempotency-Key records."""
    row = connection.execute(
        "select count(*) filter (where created_at < now() - interval '24 hours'), "
        "count(*) filter (where created_at >= now() - interval '24 hours') from public.idempotency_keys"
    ).fetchone()
    connection.commit()
    return tuple(row)
