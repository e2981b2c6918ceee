"""Gunicorn settings for the `web` process (`--config python:api.gunicorn_config`).

Threaded workers: a sync worker would sit idle during every database round trip and cannot keep
connections alive. WEB_THREADS threads per worker (default 8, also the size of each worker's
connection pool); WEB_CONCURRENCY workers, by default one per core this process may run on.
"""

import os
import shutil
import tempfile
from pathlib import Path

from migrations.settings import Settings, available_cores

_settings = Settings.from_environment()

worker_class = "gthread"
# Every core by default: the limits hold across workers (kept in the database unless configured).
workers = _settings.web_workers or available_cores()
threads = _settings.web_threads
# Clients of a load balancer reuse connections; a few seconds spares a TCP handshake per request.
keepalive = 5
timeout = 30
graceful_timeout = 10
# No runtime control socket: nothing here uses gunicornc, and its one default path per user
# (~/.gunicorn/gunicorn.ctl) would be fought over by every gunicorn on the machine, tests included.
control_socket_disable = True
# One JSON line per request comes from the application itself (api.request_log).
accesslog = None

# prometheus-client's multiprocess mode: every worker writes its metrics to files in this directory
# and each scrape adds them up. It must be set before a worker imports prometheus_client.
_OWN_METRICS_DIRECTORY = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIRECTORY:
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


def on_exit(server):
    """Remove the metrics directory this configuration made (an operator's own one stays)."""
    if _OWN_METRICS_DIRECTORY:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
