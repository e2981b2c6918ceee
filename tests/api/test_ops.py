"""/healthz, /readyz, /metrics, /openapi.json; request ids; 503 when the database is unreachable."""

from __future__ import annotations

import re
import time
import uuid

import requests

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
# Blocks, mutes and reports (issue 17).
SAFETY_OPERATIONS = {
    ("post", "/users/{username}/block"), ("delete", "/users/{username}/block"), ("get", "/me/blocks"),
    ("post", "/users/{username}/mute"), ("delete", "/users/{username}/mute"), ("get", "/me/mutes"),
    ("post", "/reports"),
}
# Discovery and sharing (issue 18).
DISCOVERY_OPERATIONS = {
    ("get", "/tweets/{id}/context"), ("get", "/hashtags/{tag}/tweets"), ("get", "/search/tweets"),
    ("get", "/search/users"), ("post", "/tweets/{id}/repost"), ("delete", "/tweets/{id}/repost"),
    ("post", "/tweets/{id}/bookmark"), ("delete", "/tweets/{id}/bookmark"), ("get", "/me/bookmarks"),
}
# The web client, its configuration, and the local sign-in (Supabase Auth's subset).
WEB_AND_SIGN_IN_OPERATIONS = {
    ("get", "/"), ("get", "/config.json"), ("post", "/auth/v1/signup"), ("post", "/auth/v1/token"),
    ("get", "/auth/v1/user"), ("post", "/auth/v1/logout"),
}


def test_openapi_describes_every_contract_endpoint_and_nothing_else(client):
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == CONTRACT_OPERATIONS | SAFETY_OPERATIONS | DISCOVERY_OPERATIONS | WEB_AND_SIGN_IN_OPERATIONS


def test_openapi_matches_the_routes_the_app_serves(app):
    document = app.test_client().get("/openapi.json").json
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "web.static"):
            continue
        path = (rule.rule.replace("<uuid:tweet_id>", "{id}").replace("<username>", "{username}")
                .replace("<tag>", "{tag}"))
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


def metric_series(text: str) -> set[str]:
    """The label sets of every sample of the request metrics: what grows when a label is unbounded."""
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("http_request")}


def test_junk_methods_and_paths_add_no_label_values_to_metrics(web):
    """Each unknown method is counted as `other` and each path under its route rule (or `unmatched`):
    before, 700 requests with random methods grew /metrics from 24 KB to 962 KB."""
    def junk(batch: str) -> None:
        """Requests with methods, ids and paths never seen before."""
        for number in range(20):
            method = f"XQ{batch}{number}{uuid.uuid4().hex[:6].upper()}"
            requests.request(method, web.url("/tweets"), timeout=10)
            requests.request(method, web.url(f"/no/such/path/{uuid.uuid4()}"), timeout=10)
            requests.get(web.url(f"/tweets/{uuid.uuid4()}"), timeout=10)
            requests.get(web.url(f"/junk-{uuid.uuid4()}"), timeout=10)

    junk("A")
    before = metric_series(requests.get(web.url("/metrics"), timeout=10).text)
    junk("B")
    after = metric_series(requests.get(web.url("/metrics"), timeout=10).text)
    assert after - before <= {series for series in after if "/metrics" in series}, after - before
    methods = {re.search(r'method="([^"]*)"', series).group(1) for series in after}
    assert "other" in methods and methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    routes = {re.search(r'route="([^"]*)"', series).group(1) for series in after}
    assert "/tweets/<uuid:tweet_id>" in routes and "unmatched" in routes
    assert not any("junk-" in route or "/no/such" in route for route in routes), routes
