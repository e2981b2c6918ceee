"""Gunicorn settings for the `web` process (`--config python:api.gunicorn_config`).

Threaded workers: a sync worker would sit idle during every database round trip. WEB_CONCURRENCY
processes (default 2, one per core of a small machine) with WEB_THREADS threads each (default 4,
also the size of each worker's connection pool) measured best in `bench/api_bench.py`.
"""

import os
import shutil
import tempfile
from pathlib import Path

from migrations.settings import Settings

_settings = Settings.from_environment()

worker_class = "gthread"
workers = _settings.web_workers
threads = _settings.web_threads
# Clients of a load balancer reuse connections; a few seconds spares a TCP handshake per request.
keepalive = 5
timeout = 30
graceful_timeout = 10
# One JSON line per request comes from the application itself (api.request_log).
accesslog = None

# prometheus-client's multiprocess mode: every worker writes its metrics to files in this directory
# and each scrape adds them up. It must be set before a worker imports prometheus_client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="chirp-metrics-")


def on_starting(server):
    """Start from empty metrics: files of an earlier run would add to this one's counts."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Forget a dead worker's live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
