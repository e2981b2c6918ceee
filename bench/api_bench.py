"""The web process under load: POST /tweets against GET /healthz, timeline latency at 10 thousand and
1 million tweets, and the workers' peak memory, in one run against one gunicorn.

It starts its own embedded PostgreSQL in a temporary directory (durable defaults, fsync on), migrates
it, starts gunicorn exactly as the Procfile does, and drives it with a Python load generator:
LOAD_PROCESSES processes of threads, each thread one keep-alive connection. The generator shares
the machine's cores with gunicorn and PostgreSQL, so it speaks HTTP/1.1 over a raw socket with a
request prepared once (`KeepAliveClient`): about 50 µs of CPU per request where http.client spent
about 180 µs, CPU that the server then lacked.
Set API_BENCH_SECONDS to change the measuring time per phase.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

from api.token import access_token
from migrations import embedded
from migrations.runner import migrate

CONNECTIONS = 16
LOAD_PROCESSES = 4
WARM_UP_SECONDS = 2.0
MEASURE_SECONDS = float(os.environ.get("API_BENCH_SECONDS", "10"))
START_DEADLINE_SECONDS = 30.0
JWT_SECRET = "benchmark-secret-benchmark-secret-benchmark-secret"
AUTHORS = 200
FOLLOWED_AUTHORS = 100
REPOSITORY = Path(__file__).resolve().parent.parent

CREATE_USERS = """
with created as (
  insert into auth.users (id, aud, role)
  select gen_random_uuid(), 'authenticated', 'authenticated' from generate_series(1, %(count)s)
  returning id
)
insert into public.profiles (id, username)
select id, %(prefix)s || row_number() over () from created
returning id
"""
# Triggers (the events queue, foreign keys) are skipped for the bulk load: the authors exist, and
# a million queued events would measure the queue, not the timeline.
BULK_TWEETS = """
insert into public.tweets (user_id, content, created_at)
select (%(authors)s::uuid[])[1 + n %% cardinality(%(authors)s::uuid[])],
       'bulk tweet number ' || n || ' about #postgres',
       now() - interval '1 second' * n - interval '1 hour'
from generate_series(%(first)s::bigint, %(last)s::bigint) as n
"""
FOLLOW_ALL = """
insert into public.follows (follower_id, followee_id)
select reader, author from unnest(%(readers)s::uuid[]) as reader, unnest(%(authors)s::uuid[]) as author
"""


def create_users(connection: psycopg.Connection, count: int, prefix: str) -> list[str]:
    """Create `count` users with profiles named prefix1, prefix2, ...; returns their ids."""
    rows = connection.execute(CREATE_USERS, {"count": count, "prefix": prefix}).fetchall()
    return [str(row[0]) for row in rows]


def load_tweets(url: str, authors: list[str], first: int, last: int) -> float:
    """Bulk-insert tweets numbered first..last, then VACUUM ANALYZE (as autovacuum would); returns seconds."""
    started = time.monotonic()
    with psycopg.connect(url) as connection:
        connection.execute("set local session_replication_role = replica")
        connection.execute(BULK_TWEETS, {"authors": authors, "first": first, "last": last})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.tweets")
    return time.monotonic() - started


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int, log_path: Path) -> subprocess.Popen:
    """The Procfile's web command on `url`, with limits out of the way; returns once /healthz answers."""
    environment = {**os.environ, "DATABASE_URL": url, "SUPABASE_JWT_SECRET": JWT_SECRET,
                   "RATE_LIMIT_WRITE": "100000000/minute", "RATE_LIMIT_READ": "100000000/minute"}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "gunicorn", "api:create_app()", "--bind", f"127.0.0.1:{port}",
               "--config", "python:api.gunicorn_config"]
    process = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=log_path.open("wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if request_once(port, "GET", "/healthz", None, {})[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer /healthz:\n{log_path.read_text()}")


def request_once(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
    """One request on a fresh connection: status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class KeepAliveClient:
    """One keep-alive HTTP/1.1 connection that sends one prepared request again and again."""

    def __init__(self, port: int, method: str, path: str, body: bytes | None, headers: dict):
        """Connect, and encode the request once: only the server's work should vary per request."""
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body or b'')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        self.buffer = b""

    def send(self) -> int:
        """Send the request and read the whole response; returns its status."""
        self.socket.sendall(self.request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._receive()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        # gunicorn answers these requests with Content-Length, never chunked.
        length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(self.buffer) < length:
            self.buffer += self._receive()
        self.buffer = self.buffer[length:]
        return status

    def _receive(self) -> bytes:
        """The next bytes from the server; an error when it closed the connection."""
        data = self.socket.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data

    def close(self) -> None:
        """Close the connection."""
        self.socket.close()


def drive_connection(port, method, path, body, headers, expected, start_at, stop_at):
    """One keep-alive connection sending requests back to back; latencies of those begun in the window."""
    latencies, errors = [], 0
    client = KeepAliveClient(port, method, path, body, headers)
    while (now := time.monotonic()) < stop_at:
        status = client.send()
        if now >= start_at:
            latencies.append(time.monotonic() - now)
            errors += status != expected
    client.close()
    return latencies, errors


def drive_process(port, requests_by_connection, expected, start_at, stop_at):
    """One load process: a thread per connection; returns all latencies and the error count."""
    with concurrent.futures.ThreadPoolExecutor(len(requests_by_connection)) as threads:
        futures = [threads.submit(drive_connection, port, *request, expected, start_at, stop_at)
                   for request in requests_by_connection]
        results = [future.result() for future in futures]
    return [latency for latencies, _ in results for latency in latencies], sum(errors for _, errors in results)


def measure(port: int, method: str, path: str, requests_by_connection: list[tuple], expected: int) -> dict:
    """Drive CONNECTIONS connections over LOAD_PROCESSES processes; requests/s and latency percentiles."""
    start_at = time.monotonic() + WARM_UP_SECONDS + 0.5
    stop_at = start_at + MEASURE_SECONDS
    shares = [requests_by_connection[index::LOAD_PROCESSES] for index in range(LOAD_PROCESSES)]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(LOAD_PROCESSES, mp_context=context) as processes:
        futures = [processes.submit(drive_process, port, [(method, path, *request) for request in share],
                                    expected, start_at, stop_at) for share in shares]
        results = [future.result() for future in futures]
    latencies = sorted(latency for part, _ in results for latency in part)
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests_per_second": len(latencies) / MEASURE_SECONDS, "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000, "errors": sum(errors for _, errors in results)}


def cpu_seconds(master: subprocess.Popen, data_directory: Path) -> tuple[float, float]:
    """CPU time (user + system) used so far by gunicorn's workers and by the PostgreSQL server."""
    workers = sum(sum(worker.cpu_times()[:2]) for worker in psutil.Process(master.pid).children())
    postmaster = psutil.Process(int((data_directory / "postmaster.pid").read_text().split()[0]))
    database = sum(postmaster.cpu_times()[:4])  # its own time and that of its ended backends
    for backend in postmaster.children():
        try:
            database += sum(backend.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass  # ended between listing and reading: its time is in the postmaster's now
    return workers, database


def measure_with_cpu(master: subprocess.Popen, data_directory: Path, *arguments) -> dict:
    """`measure(*arguments)`, plus the workers' and PostgreSQL's CPU milliseconds per request.

    CPU is read before the warm-up and after the window, so it is divided by the requests of the
    whole run, estimated at the window's rate: an approximation, good enough to see who costs what.
    """
    before = cpu_seconds(master, data_directory)
    result = measure(*arguments)
    after = cpu_seconds(master, data_directory)
    requests = result["requests_per_second"] * (WARM_UP_SECONDS + 0.5 + MEASURE_SECONDS)
    result["worker_cpu_ms"] = (after[0] - before[0]) * 1000 / requests
    result["postgres_cpu_ms"] = (after[1] - before[1]) * 1000 / requests
    return result


def worker_peak_memory_megabytes(master: subprocess.Popen) -> list[float]:
    """Each gunicorn worker's peak resident memory (VmHWM) so far."""
    peaks = []
    for worker in psutil.Process(master.pid).children():
        status = Path(f"/proc/{worker.pid}/status").read_text()
        kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        peaks.append(kilobytes / 1024)
    return peaks


def timeline_plan(url: str, reader: str) -> list[str]:
    """EXPLAIN ANALYZE of the timeline query as the reader: the lines naming scans."""
    from api.queries import QUERIES
    from api.pages import FIRST_PAGE_BEFORE

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
    migrate(url)
    with psycopg.connect(url) as connection:
        writers = create_users(connection, CONNECTIONS, "writer")
        readers = create_users(connection, CONNECTIONS, "reader")
        authors = create_users(connection, AUTHORS, "author")
        connection.execute(FOLLOW_ALL, {"readers": readers, "authors": authors[:FOLLOWED_AUTHORS]})
    return writers, readers, authors


def run(root: Path) -> None:
    """Every phase of the benchmark on a server under `root`."""
    url = embedded.server(root / "data").get_uri()
    writers, readers, authors = prepare(url)
    port = free_port()
    gunicorn = start_gunicorn(url, port, root / "gunicorn.log")
    try:
        def bearer(user):
            """Headers of a JSON request by `user`."""
            return {"Authorization": f"Bearer {access_token(JWT_SECRET, user)}", "Content-Type": "application/json"}

        def measured(*arguments):
            """One phase against this gunicorn, with its CPU costs."""
            return measure_with_cpu(gunicorn, root / "data", port, *arguments)

        post_body = json.dumps({"content": "benchmark tweet about #postgres"}).encode()
        rows = [("GET /healthz", measured("GET", "/healthz", [(None, {})] * CONNECTIONS, 200)),
                ("POST /tweets", measured("POST", "/tweets", [(post_body, bearer(w)) for w in writers], 201))]
        timeline_requests = [(None, bearer(reader)) for reader in readers]
        load_seconds = {"10k": load_tweets(url, authors, 1, 10_000)}
        # The bulk load skips the consumer: write the readers' home timelines as it would have.
        from bench.timeline_bench import write_ahead
        write_ahead(url, readers)
        rows.append(("GET /timeline, 10k tweets", measured("GET", "/timeline", timeline_requests, 200)))
        load_seconds["1M"] = load_tweets(url, authors, 10_001, 1_000_000)
        write_ahead(url, readers)
        rows.append(("GET /timeline, 1M tweets", measured("GET", "/timeline", timeline_requests, 200)))
        peaks = worker_peak_memory_megabytes(gunicorn)
        plan = timeline_plan(url, readers[0])
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        embedded.stop(root / "data")
    print_summary(rows, load_seconds, peaks, plan)


def print_summary(rows, load_seconds, peaks, plan) -> None:
    """Print the table, the figures the issue sets goals for, and the timeline's plan."""
    report(rows)
    results = dict(rows)
    ratio = results["POST /tweets"]["requests_per_second"] / results["GET /healthz"]["requests_per_second"]
    timeline_ratio = results["GET /timeline, 1M tweets"]["p99_ms"] / results["GET /timeline, 10k tweets"]["p99_ms"]
    print(f"POST /tweets rate / GET /healthz rate: {ratio:.2f} (goal >= 0.60)")
    print(f"POST /tweets p99: {results['POST /tweets']['p99_ms']:.1f} ms (goal < 25 ms)")
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
