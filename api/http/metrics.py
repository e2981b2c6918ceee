"""Prometheus metrics: requests by route and status, a latency histogram, the events queue depth.

Under gunicorn every worker is its own process; `api.server.gunicorn_config` sets PROMETHEUS_MULTIPROC_DIR
so that prometheus-client's multiprocess mode adds the workers' counts up in every scrape.
The queue depth is read from `pgmq.metrics('events')` at most once per cache period per worker.
"""

from __future__ import annotations

import os
import threading
import time

import flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from chirp.events_queue import QUEUE_NAME
from chirp.queries import QUERIES

QUEUE_DEPTH_CACHE_SECONDS = 5.0
LATENCY_BUCKETS_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Every label takes values from a fixed set: a client choosing a label value (any method name is a
# valid HTTP token) would add a series per request, and every scrape would carry them all.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED_ROUTE = "unmatched"

REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
    buckets=LATENCY_BUCKETS_SECONDS,
)


class QueueDepthCollector:
    """`events_queue_depth`, read from the database at most every QUEUE_DEPTH_CACHE_SECONDS."""

    def __init__(self, database):
        """Read through `database`'s owner connection; nothing is read until the first scrape."""
        self.database = database
        self.lock = threading.Lock()
        self.value: float | None = None
        self.read_at = float("-inf")

    def collect(self):
        """The gauge, from the cache when it is fresh; nothing when the database did not answer."""
        with self.lock:
            if time.monotonic() - self.read_at >= QUEUE_DEPTH_CACHE_SECONDS:
                self.value = self._read()
                self.read_at = time.monotonic()
            value = self.value
        if value is not None:
            family = GaugeMetricFamily("events_queue_depth", "Messages waiting in the events queue")
            family.add_metric([], value)
            yield family

    def _read(self) -> float | None:
        """The queue's length, or None when the database does not answer (the scrape still works)."""
        try:
            with self.database.owner_transaction() as connection:
                row = connection.execute(QUERIES["queue_depth"], {"queue_name": QUEUE_NAME}).fetchone()
            return float(row["queue_length"])
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database did
            return None


def start_timer() -> None:
    """Note when the request began."""
    flask.g.metrics_started = time.perf_counter()


def observe(response: flask.Response) -> flask.Response:
    """Count the request under its route pattern and a known method (never the raw path or method)."""
    route = flask.request.url_rule.rule if flask.request.url_rule else UNMATCHED_ROUTE
    method = flask.request.method if flask.request.method in KNOWN_METHODS else OTHER_METHOD
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    started = flask.g.get("metrics_started")
    if started is not None:
        LATENCY.labels(method, route).observe(time.perf_counter() - started)
    return response


def exposition() -> flask.Response:
    """The text format of every worker's metrics and the queue depth."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    text += generate_latest(flask.current_app.extensions["queue_depth_registry"])
    return flask.Response(text, content_type=CONTENT_TYPE_LATEST)


def init_app(app: flask.Flask, database) -> None:
    """Time and count every request of `app`; register the queue depth for its scrapes."""
    registry = CollectorRegistry()
    registry.register(QueueDepthCollector(database))
    app.extensions["queue_depth_registry"] = registry
    app.before_request(start_timer)
    app.after_request(observe)
