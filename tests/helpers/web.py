"""A real gunicorn serving `api:create_app()` on a free port, for tests about processes.

`start_web(...)` runs the Procfile's command against a given database, waits for /healthz with a
deadline, and `stop()` ends it (SIGTERM, then SIGKILL after a deadline).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.helpers import processes
from tests.helpers.waiting import answers, free_port, wait_until

REPOSITORY = Path(__file__).resolve().parents[2]
START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@dataclasses.dataclass
class WebServer:
    """A running gunicorn and its base URL."""

    process: subprocess.Popen
    base_url: str
    log_path: Path

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return self.base_url + path

    def log(self) -> str:
        """Everything gunicorn and the workers wrote so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM gunicorn's process group (master and workers), SIGKILL it after the deadline."""
        processes.stop(self.process, STOP_DEADLINE_SECONDS)


def start_web(database_url: str, log_path: Path, workers: int | None = 1, **environment: str) -> WebServer:
    """Start gunicorn as the Procfile does, on a free port; returns once /healthz answers 200.

    `workers` sets WEB_CONCURRENCY; None leaves it unset (the default: one worker per core).
    """
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SUPABASE_JWT_SECRET": TEST_JWT_SECRET,
           "PORT": str(port), "WEB_CONCURRENCY": str(workers), **environment}
    if workers is None:
        env.pop("WEB_CONCURRENCY")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "gunicorn", "api:create_app()", "--bind", f"127.0.0.1:{port}",
               "--config", "python:api.server.gunicorn_config"]
    with log_path.open("wb") as log_file:
        process = processes.start(command, cwd=REPOSITORY, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = WebServer(process, f"http://127.0.0.1:{port}", log_path)

    def healthy() -> bool:
        """Whether /healthz answers 200; fails at once if gunicorn died."""
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n{processes.tail(server.log())}")
        return answers(server.url("/healthz"))

    try:
        wait_until(healthy, START_DEADLINE_SECONDS, "gunicorn to answer /healthz")
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def web_factory(tmp_path, postgresql, web_database_url):
    """Start gunicorns with `web_factory(database_url, **environment)`; all are stopped at teardown.

    It asks for `postgresql` so that the gunicorns stop before the test database is dropped.
    """
    servers: list[WebServer] = []

    def start(database_url: str, workers: int | None = 1, **environment: str) -> WebServer:
        """Start one more gunicorn, logging to this test's temporary directory (through --database-pooler)."""
        pooled = web_database_url(database_url)
        if pooled != database_url:
            environment = {"DATABASE_PREPARED_STATEMENTS": "false", **environment}
        server = start_web(pooled, tmp_path / f"gunicorn-{len(servers)}.log", workers, **environment)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def web(web_factory, database_url) -> WebServer:
    """One gunicorn worker on this test's database."""
    return web_factory(database_url)


def worker_pids(server: WebServer, path: str) -> set[int]:
    """The worker processes that logged a request to `path`."""
    pids = set()
    for line in server.log().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # gunicorn's own lines, or the last line while it is being written
        if isinstance(record, dict) and record.get("path") == path and "pid" in record:
            pids.add(record["pid"])
    return pids


def requests_over_all_workers(server: WebServer, path: str, workers: int, batch: int,
                              deadline_seconds: float = 30.0, **request_options) -> list[int]:
    """GET `path` in concurrent batches (a new connection each) until every worker has answered one.

    The kernel decides which worker accepts a connection; concurrency makes it spread them.
    Returns every status seen, in no particular order.
    """
    statuses: list[int] = []

    def one(_):
        """One request on a new connection."""
        return requests.get(server.url(path), timeout=10, **request_options).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        def spread() -> bool:
            """One concurrent batch; true once every worker answered."""
            statuses.extend(pool.map(one, range(batch)))
            return len(worker_pids(server, path)) >= workers

        wait_until(spread, deadline_seconds, f"all {workers} workers to answer {path}")
    return statuses
