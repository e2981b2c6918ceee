"""Prometheus metrics of the consumer, served on CONSUMER_METRICS_PORT when it is set."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

PROCESSED = Counter("consumer_events_processed", "Messages whose effects were committed", ["type"])
RETRIED = Counter("consumer_events_retried", "Failed attempts that will be retried after a backoff")
DEAD_LETTERED = Counter("consumer_events_dead_lettered", "Messages archived as dead letters")
LAG_SECONDS = Histogram(
    "consumer_event_lag_seconds",
    "From enqueue to the commit of a message's effects",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
QUEUE_DEPTH = Gauge("consumer_queue_depth", "Messages in the events queue, visible or not")
OLDEST_MESSAGE_AGE_SECONDS = Gauge(
    "consumer_oldest_message_age_seconds", "Age of the oldest message in the events queue (the lag)"
)


def serve(port: int | None) -> None:
    """Serve /metrics on `port` in a background thread; nothing when no port is configured."""
    if port is not None:
        start_http_server(port)
