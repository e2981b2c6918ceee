"""/healthz, /readyz, /metrics, /openapi.json; request ids; 503 when the database is unreachable."""

from __future__ import annotations

import time

from tests.api.conftest import settings_for
from tests.api.test_tweets import assert_problem

CONTRACT_OPERATIONS = {
    ("post", "/tweets"), ("post", "/tweet"), ("get", "/tweets/{id}"), ("delete", "/tweets/{id}"),
    ("get", "/tweets"), ("get", "/timeline"), ("get", "/users/{username}"), ("get", "/users/{username}/tweets"),
    ("get", "/me"), ("put", "/me"), ("post", "/users/{username}/follow"), ("delete", "/users/{username}/follow"),
    ("post", "/tweets/{id}/like"), ("delete", "/tweets/{id}/like"), ("get", "/notifications"),
    ("post", "/notifications/read"), ("get", "/trends"), ("get", "/healthz"), ("get", "/readyz"),
    ("get", "/metrics"), ("get", "/openapi.json"),
    ("post", "/stream/tickets"), ("get", "/stream"), ("get", "/stream/public"),
}


def test_openapi_describes_every_contract_endpoint_and_nothing_else(client):
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == CONTRACT_OPERATIONS


def test_openapi_matches_the_routes_the_app_serves(app):
    document = app.test_client().get("/openapi.json").json
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<uuid:tweet_id>", "{id}").replace("<username>", "{username}")
        served |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == {(method, path) for path, item in document["paths"].items() for method in item}


def test_health_ready_and_metrics(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}
    client.get("/tweets")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.mimetype == "text/plain"
    text = metrics.get_data(as_text=True)
    assert 'http_requests_total{method="GET",route="/tweets",status="200"}' in text
    assert "http_request_duration_seconds_bucket" in text and "events_queue_depth 0.0" in text


def test_request_ids_are_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"}).headers["X-Request-Id"]
    assert made != "bad id with spaces" and len(made) == 32


def test_an_unreachable_database_is_a_fast_503(app_factory, tmp_path, alice_headers):
    client = app_factory(settings_for(f"host={tmp_path} dbname=nothing user=nobody")).test_client()
    assert client.get("/healthz").status_code == 200
    for path in ("/readyz", "/tweets", "/timeline", "/trends"):
        started = time.monotonic()
        response = client.get(path, headers=alice_headers)
        assert_problem(response, 503)
        assert response.headers["Retry-After"] and time.monotonic() - started < 3
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "events_queue_depth" not in metrics.get_data(as_text=True)
