"""The web process under load, in one run on one server: POST /tweets and GET /healthz with 1, 2, ...
up to the core count of gunicorn workers, beside pgbench's rate of the same single-row insert into
`tweets` (as `authenticated`, with every trigger: the web tier's ceiling); then timeline latency at
10 thousand and 1 million tweets and the workers' peak memory, with the default worker count.

It starts its own embedded PostgreSQL in a temporary directory (durable defaults, fsync on), migrates
it, starts gunicorn exactly as the Procfile does, and drives it with the load generator of
`bench.load`: LOAD_PROCESSES processes of threads, each thread one keep-alive connection.
Set API_BENCH_SECONDS to change the measuring time per phase.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import psycopg

from api.token import access_token
from bench import insert_trigger_bench
from bench.dataset import BULK_TWEETS, FOLLOW_ALL, create_users, write_ahead
from bench.load import (
    CONNECTIONS,
    JWT_SECRET,
    MEASURE_SECONDS,
    free_port,
    measure_with_cpu,
    start_gunicorn,
    worker_peak_memory_megabytes,
)
from chirp import local_server
from chirp.migrator import migrate
from chirp.settings import available_cores

AUTHORS = 200
FOLLOWED_AUTHORS = 100



def load_tweets(url: str, authors: list[str], first: int, last: int) -> float:
    """Bulk-insert tweets numbered first..last, then VACUUM ANALYZE (as autovacuum would); returns seconds."""
    started = time.monotonic()
    with psycopg.connect(url) as connection:
        connection.execute("set local session_replication_role = replica")
        connection.execute(BULK_TWEETS, {"authors": authors, "first": first, "last": last})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.tweets")
    return time.monotonic() - started


def timeline_plan(url: str, reader: str) -> list[str]:
    """EXPLAIN ANALYZE of the timeline query as the reader: the lines naming scans."""
    from api.http.pages import FIRST_PAGE_BEFORE
    from chirp.queries import QUERIES

    parameters = {"user_id": reader, "limit": 21, "before_created_at": FIRST_PAGE_BEFORE[0],
                  "before_id": FIRST_PAGE_BEFORE[1]}
    with psycopg.connect(url) as connection:
        connection.execute("select set_config('role', 'authenticated', true), "
                           "set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": reader}),))
        plan = connection.execute(b"explain (analyze, costs off) " + QUERIES["home_timeline_page"].encode(),
                                  parameters).fetchall()
    return [row[0].strip() for row in plan if "Scan" in row[0] or "Execution Time" in row[0]]


def report(rows: list[tuple[str, dict]]) -> None:
    """Print the measurements as a table."""
    print(f"{'measurement':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
          f"{'worker CPU ms/req':>19}{'PostgreSQL CPU ms/req':>23}")
    for name, result in rows:
        print(f"{name:<34}{result['requests_per_second']:>10.0f}{result['p50_ms']:>10.2f}"
              f"{result['p99_ms']:>10.2f}{result['errors']:>8}"
              f"{result['worker_cpu_ms']:>19.2f}{result['postgres_cpu_ms']:>23.2f}")


def prepare(url: str) -> tuple[list[str], list[str], list[str]]:
    """Migrate; create writers (one per connection), readers following FOLLOWED_AUTHORS, and authors."""
    migrate(url, write_limit=insert_trigger_bench.UNREFUSING_WRITE_LIMIT)
    insert_trigger_bench.create_numbered_writers(url, CONNECTIONS)
    with psycopg.connect(url) as connection:
        writers = create_users(connection, CONNECTIONS, "writer")
        readers = create_users(connection, CONNECTIONS, "reader")
        authors = create_users(connection, AUTHORS, "author")
        connection.execute(FOLLOW_ALL, {"readers": readers, "authors": authors[:FOLLOWED_AUTHORS]})
    return writers, readers, authors


def bearer(user: str) -> dict[str, str]:
    """Headers of a JSON request by `user`."""
    return {"Authorization": f"Bearer {access_token(JWT_SECRET, user)}", "Content-Type": "application/json"}


class Gunicorn:
    """One gunicorn on the benchmark's server, stopped on leaving the `with` block."""

    def __init__(self, root: Path, url: str, workers: int | None):
        """Start it with `workers` (None: the default, one per core)."""
        self.root, self.port = root, free_port()
        self.process = start_gunicorn(url, self.port, root / f"gunicorn-{workers}.log", workers)

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *_) -> None:
        self.process.terminate()
        self.process.wait(30)

    def measure(self, *arguments) -> dict:
        """One phase against this gunicorn, with its CPU costs."""
        return measure_with_cpu(self.process, self.root / "data", self.port, *arguments)


def scaling_rows(root: Path, url: str, writers: list[str]) -> list[tuple[str, dict]]:
    """GET /healthz and POST /tweets with 1, 2, ... up to the core count of workers."""
    post_body = json.dumps({"content": "benchmark tweet about #postgres"}).encode()
    rows = []
    for workers in range(1, available_cores() + 1):
        with Gunicorn(root, url, workers) as gunicorn:
            rows.append((f"GET /healthz, {workers} workers",
                         gunicorn.measure("GET", "/healthz", [(None, {})] * CONNECTIONS, 200)))
            rows.append((f"POST /tweets, {workers} workers",
                         gunicorn.measure("POST", "/tweets", [(post_body, bearer(w)) for w in writers], 201)))
    return rows


def pgbench_insert_rate(root: Path, url: str) -> float:
    """pgbench's rate of the API's insert (as authenticated, every trigger) at CONNECTIONS clients."""
    script = root / "authenticated_insert.sql"
    script.write_text(insert_trigger_bench.AUTHENTICATED_INSERT_SCRIPT)
    return insert_trigger_bench.pgbench(url, script, clients=CONNECTIONS, seconds=MEASURE_SECONDS)


def run(root: Path) -> None:
    """Every phase of the benchmark on a server under `root`."""
    url = local_server.server(root / "data").get_uri()
    try:
        writers, readers, authors = prepare(url)
        rows = scaling_rows(root, url, writers)
        insert_rate = pgbench_insert_rate(root, url)
        timeline_requests = [(None, bearer(reader)) for reader in readers]
        with Gunicorn(root, url, None) as gunicorn:
            load_seconds = {"10k": load_tweets(url, authors, 1, 10_000)}
            # The bulk load skips the consumer: write the readers' home timelines as it would have.
            write_ahead(url, readers)
            rows.append(("GET /timeline, 10k tweets", gunicorn.measure("GET", "/timeline", timeline_requests, 200)))
            load_seconds["1M"] = load_tweets(url, authors, 10_001, 1_000_000)
            write_ahead(url, readers)
            rows.append(("GET /timeline, 1M tweets", gunicorn.measure("GET", "/timeline", timeline_requests, 200)))
            peaks = worker_peak_memory_megabytes(gunicorn.process)
        plan = timeline_plan(url, readers[0])
    finally:
        local_server.stop(root / "data")
    print_summary(rows, insert_rate, load_seconds, peaks, plan)


def print_summary(rows, insert_rate, load_seconds, peaks, plan) -> None:
    """Print the table, the figures the issue sets goals for, and the timeline's plan."""
    report(rows)
    results = dict(rows)
    print(f"pgbench, the same insert as authenticated with every trigger, {CONNECTIONS} clients: "
          f"{insert_rate:.0f} inserts/s")
    for workers in range(1, available_cores() + 1):
        post, healthz = results[f"POST /tweets, {workers} workers"], results[f"GET /healthz, {workers} workers"]
        print(f"{workers} workers: POST/healthz {post['requests_per_second'] / healthz['requests_per_second']:.2f}"
              f" (goal >= 0.60), POST p99 {post['p99_ms']:.1f} ms (goal <= 25 ms), "
              f"POST rate / pgbench insert rate {post['requests_per_second'] / insert_rate:.2f}")
    timeline_ratio = results["GET /timeline, 1M tweets"]["p99_ms"] / results["GET /timeline, 10k tweets"]["p99_ms"]
    print(f"timeline p99 1M / 10k: {timeline_ratio:.2f} (goal <= 1.5)")
    print(f"worker peak RSS: {', '.join(f'{peak:.0f} MB' for peak in peaks)} (goal <= 100 MB each)")
    print(f"bulk load: 10k in {load_seconds['10k']:.1f} s, 1M in {load_seconds['1M']:.1f} s")
    print("timeline plan at 1M tweets:\n  " + "\n  ".join(plan))


def main() -> None:
    """`python -m bench api_bench`."""
    root = Path(tempfile.mkdtemp(prefix="apibench-"))
    try:
        run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
