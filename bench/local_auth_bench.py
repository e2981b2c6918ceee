"""The local sign-in's timing: a right password, a wrong one, and an unknown email, side by side.

An unknown email must cost what a wrong password costs (its password is checked against a dummy
bcrypt hash), or the time of an answer would tell who has an account. The three kinds of sign-in
are sent in turn, one at a time, against one gunicorn, and their latencies compared; sign-up's
cost (one bcrypt hash and the inserts) is shown beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.load import free_port, request_once, start_gunicorn
from chirp import local_server
from chirp.migrator import migrate

ROUNDS = int(os.environ.get("LOCAL_AUTH_BENCH_ROUNDS", "60"))
PASSWORD = "benchmark password"


def timed(port: int, path: str, body: dict, expected: int) -> float:
    """One request's latency in milliseconds; fails on an unexpected status."""
    started = time.perf_counter()
    status, answer = request_once(port, "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    elapsed = (time.perf_counter() - started) * 1000
    if status != expected:
        raise RuntimeError(f"{path} answered {status}, not {expected}: {answer[:200]!r}")
    return elapsed


def run(root: Path) -> dict[str, list[float]]:
    """Sign up ROUNDS users, then sign in right, wrong and unknown, interleaved."""
    url = local_server.server(root / "data").get_uri()
    migrate(url)
    port = free_port()
    os.environ["RATE_LIMIT_FAILED_SIGN_IN"] = "100000000/minute"
    gunicorn = start_gunicorn(url, port, root / "gunicorn.log")
    samples: dict[str, list[float]] = {"sign-up": [], "right password": [], "wrong password": [], "unknown email": []}
    try:
        emails = [f"bench-{index}@example.test" for index in range(ROUNDS)]
        for email in emails:
            samples["sign-up"].append(timed(port, "/auth/v1/signup", {"email": email, "password": PASSWORD}, 200))
        sign_in = "/auth/v1/token?grant_type=password"
        for index, email in enumerate(emails):
            samples["right password"].append(timed(port, sign_in, {"email": email, "password": PASSWORD}, 200))
            samples["wrong password"].append(timed(port, sign_in, {"email": email, "password": "wrong"}, 400))
            samples["unknown email"].append(
                timed(port, sign_in, {"email": f"nobody-{index}@example.test", "password": PASSWORD}, 400))
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        local_server.stop(root / "data")
    return samples


def main() -> None:
    """`python -m bench local_auth_bench`."""
    root = Path(tempfile.mkdtemp(prefix="authbench-"))
    try:
        samples = run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'request':<16} {'median ms':>10} {'p90 ms':>8}  ({ROUNDS} each)")
    for name, values in samples.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<16} {statistics.median(values):>10.1f} {p90:>8.1f}")
    ratio = statistics.median(samples["unknown email"]) / statistics.median(samples["wrong password"])
    print(f"unknown email / wrong password, median: {ratio:.2f} (goal: 0.9 to 1.1, no enumeration by timing)")
