"""Gunicorn settings for the `web` process (`--config python:api.server.gunicorn_config`).

gevent workers: each worker serves many requests at once on greenlets, so that thousands of
long-lived Server-Sent-Events streams fit in one process (see README, "Live updates"); psycopg 3
waits cooperatively under gevent's monkey patching (since 3.1.14). A thread per stream (gthread)
would cost a thread stack and a pool slot for every open stream. WEB_CONCURRENCY workers, by
default one per core this process may run on (the rate limits hold across workers: they are
kept in the database unless configured otherwise); each keeps a pool of WEB_THREADS connections.
"""

# First of all: the gevent workers patch the standard library as they start, but psycopg chooses
# how it waits when it is first imported, and this file imports it (to check DATABASE_URL) in the
# master, before the workers exist. Patched first, psycopg's choice is the cooperative one.
from gevent import monkey

monkey.patch_all()

import os  # noqa: E402 - after the patching, on purpose
import resource  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from api.server import balancing, gunicorn_refusals  # noqa: E402
from chirp.settings import available_cores  # noqa: E402
from chirp.startup import settings_or_exit  # noqa: E402

# A malformed setting stops gunicorn here with one line, before it binds or forks.
_settings = settings_or_exit("web (gunicorn)", needs_token_verification=True)

worker_class = "api.server.worker.StreamingGeventWorker"
# Every core by default: the limits hold across workers (kept in the database unless configured).
workers = _settings.web_workers or available_cores()
# Open streams and requests in flight per worker; an idle stream costs a greenlet and a socket.
worker_connections = 20000
# Gunicorn's own refusals (a request line over its limit: 414; header fields: 431) as problem+json.
gunicorn_refusals.install()

# Clients of a load balancer reuse connections; a few seconds spares a TCP handshake per request.
keepalive = 2
timeout = 30
# Requests take well under a second; open streams are ended at once (api.server.worker), and clients
# reconnect. Under make run (chirp.supervisor), which kills what has not stopped after 10 s, this must be less.
graceful_timeout = 4
# No runtime control socket: nothing here uses gunicornc, and its one default path per user
# (~/.gunicorn/gunicorn.ctl) would be fought over by every gunicorn on the machine, tests included.
control_socket_disable = True
# One JSON line per request comes from the application itself (api.http.request_log).
accesslog = None

# prometheus-client's multiprocess mode: every worker writes its metrics to files in this directory
# and each scrape adds them up. It must be set before a worker imports prometheus_client.
_OWN_METRICS_DIRECTORY = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIRECTORY:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="chirp-metrics-")


def on_starting(server):
    """Start from empty metrics, and allow a socket per stream."""
    _raise_open_files_limit()
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


# How many connections each worker holds, shared with the workers (api.server.balancing).
_BALANCING_BOARD = balancing.Board()


def pre_fork(server, worker):
    """Give the worker about to be forked its slot on the balancing board."""
    worker.balancing_board, worker.balancing_slot = _BALANCING_BOARD, _BALANCING_BOARD.give()


def child_exit(server, worker):
    """Free a dead worker's balancing slot; forget its live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    _BALANCING_BOARD.take_back(getattr(worker, "balancing_slot", None))
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this configuration made (an operator's own one stays)."""
    if _OWN_METRICS_DIRECTORY:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def _raise_open_files_limit() -> None:
    """Raise the soft limit on open files to the hard one: every open stream holds a socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def worker_exit(server, worker):
    """Close the worker's connection pools while its greenlets can still run (not at interpreter exit)."""
    application = getattr(worker, "wsgi", None)
    if application is not None:
        import api

        api.close(application)
