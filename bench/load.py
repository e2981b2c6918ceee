"""The load generator and the meters of the web benchmarks: gunicorn as the Procfile starts it, keep-alive
connections over several processes, latency percentiles, and CPU time of the workers and of PostgreSQL.

The generator shares the machine's cores with gunicorn and PostgreSQL, so it speaks HTTP/1.1 over a
raw socket with a request prepared once (`KeepAliveClient`): about 50 µs of CPU per request where
http.client spent about 180 µs, CPU that the server then lacked.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

CONNECTIONS = 16
LOAD_PROCESSES = 4
WARM_UP_SECONDS = 2.0
MEASURE_SECONDS = float(os.environ.get("API_BENCH_SECONDS", "10"))
START_DEADLINE_SECONDS = 30.0
# Requests slower than this count as timed out (wrk's default timeout).
TIMEOUT_SECONDS = 2.0
JWT_SECRET = "benchmark-secret-benchmark-secret-benchmark-secret"
REPOSITORY = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int, log_path: Path, workers: int | None = None,
                   repository: Path = REPOSITORY, **settings: str) -> subprocess.Popen:
    """The Procfile's web command on `url`, with limits out of the way; returns once /healthz answers.

    The limits stay on, kept where the default keeps them (the database), only too high to refuse.
    `workers` sets WEB_CONCURRENCY; None leaves the default, one worker per core. `repository` is
    the checkout whose code runs (another one: bench.before_after). `settings` are more environment
    variables (WEB_THREADS=...).
    """
    environment = {**os.environ, "DATABASE_URL": url, "SUPABASE_JWT_SECRET": JWT_SECRET,
                   "PYTHONPATH": str(repository),
                   "RATE_LIMIT_WRITE": "100000000/minute", "RATE_LIMIT_READ": "100000000/minute", **settings}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    environment.pop("WEB_CONCURRENCY", None)
    if workers is not None:
        environment["WEB_CONCURRENCY"] = str(workers)
    command = [sys.executable, "-m", "gunicorn", "api:create_app()", "--bind", f"127.0.0.1:{port}",
               "--config", "python:api.server.gunicorn_config"]
    process = subprocess.Popen(command, cwd=repository, env=environment, stdout=log_path.open("wb"),
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


def measure(port: int, method: str, path: str, requests_by_connection: list[tuple], expected: int,
            seconds: float = MEASURE_SECONDS) -> dict:
    """Drive CONNECTIONS connections over LOAD_PROCESSES processes for `seconds`; requests/s and latencies."""
    start_at = time.monotonic() + WARM_UP_SECONDS + 0.5
    stop_at = start_at + seconds
    shares = [requests_by_connection[index::LOAD_PROCESSES] for index in range(LOAD_PROCESSES)]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(LOAD_PROCESSES, mp_context=context) as processes:
        futures = [processes.submit(drive_process, port, [(method, path, *request) for request in share],
                                    expected, start_at, stop_at) for share in shares]
        results = [future.result() for future in futures]
    latencies = sorted(latency for part, _ in results for latency in part)
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests_per_second": len(latencies) / seconds, "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000, "max_ms": latencies[-1] * 1000,
            "over_2s": sum(latency > TIMEOUT_SECONDS for latency in latencies),
            "errors": sum(errors for _, errors in results)}


def cpu_seconds(master: subprocess.Popen, data_directory: Path) -> tuple[float, float]:
    """CPU time (user + system) used so far by gunicorn's workers and by the PostgreSQL server."""
    workers = sum(sum(worker.cpu_times()[:2]) for worker in psutil.Process(master.pid).children())
    return workers, database_cpu_seconds(data_directory)


def database_cpu_seconds(data_directory: Path) -> float:
    """CPU time (user + system) used so far by the PostgreSQL server of `data_directory`."""
    postmaster = psutil.Process(int((data_directory / "postmaster.pid").read_text().split()[0]))
    database = sum(postmaster.cpu_times()[:4])  # its own time and that of its ended backends
    for backend in postmaster.children():
        try:
            database += sum(backend.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass  # ended between listing and reading: its time is in the postmaster's now
    return database


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
