"""Issue 20's figures for two versions of the code, side by side in one run on one embedded server.

`python -m bench.before_after REVISION` checks REVISION out into a temporary git worktree ("before")
and measures it beside this checkout ("after"), rounds alternating, so that the load of a shared
machine falls on both alike:

1. `POST /tweets` through each version's gunicorn (16 connections, 16 authors), pgbench's caller
   transaction beside them (bench.speed_bench), CPU ms per POST of the workers and of PostgreSQL;
2. the tails, `GET /healthz`, `/config.json`, `/web/app.js` and `/tweets`, p99 against the mean wait;
3. each version's consumer draining the same backlog of `tweet.created` events, and bare pgmq
   read + delete by pgbench beside each drain.

The schema is this checkout's (migrations only add, so the code before runs on it). A few minutes;
SPEED_BENCH_SECONDS and SPEED_BENCH_ROUNDS as for speed_bench, BEFORE_AFTER_BACKLOG the drain's size
(20,000).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import consumer_bench, insert_trigger_bench, load, speed_bench
from chirp import local_server
from chirp.settings import Settings

BACKLOG = int(os.environ.get("BEFORE_AFTER_BACKLOG", "20000"))
VERSIONS = ("before", "after")


def checkout(revision: str, directory: Path) -> Path:
    """A detached worktree of `revision` in `directory`."""
    subprocess.run(["git", "-C", str(load.REPOSITORY), "worktree", "add", "--detach", "--quiet", str(directory),
                    revision], check=True)
    return directory


def post_rounds(root: Path, url: str, servers: dict) -> tuple[dict, list[float]]:
    """Rounds of POST /tweets through each version, then pgbench's caller transaction."""
    requests, script = speed_bench.post_requests(), speed_bench.caller_insert_file(root)
    rows, rates = {version: [] for version in VERSIONS}, []
    for _ in range(speed_bench.ROUNDS):
        for version in VERSIONS:
            rows[version].append(speed_bench.post_round(root, *servers[version], requests))
        rates.append(speed_bench.caller_transactions_per_second(url, script))
    return rows, rates


def drains(root: Path, url: str, trees: dict) -> tuple[dict, list[float]]:
    """Rounds of each version's consumer draining BACKLOG events, bare pgmq beside each."""
    settings = Settings()
    rates, bare = {version: [] for version in VERSIONS}, []
    for _ in range(speed_bench.ROUNDS):
        for version in VERSIONS:
            consumer_bench.reset(url)
            consumer_bench.insert_backlog(url, BACKLOG)
            bare.append(speed_bench.bare_queue_rate(root, url, settings.consumer_batch_size)[0])
            rates[version].append(consumer_bench.drain_with_consumers(
                url, settings.consumer_batch_size, 1, settings.consumer_concurrency, trees[version])[0])
    return rates, bare


def median(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def report(posts: dict, pgbench_rates: list[float], tails: dict, drained: dict, bare: list[float]) -> list[str]:
    """One line per figure: before, then after."""
    pgbench_rate = statistics.median(pgbench_rates)
    lines = [f"pgbench caller transaction: {pgbench_rate:.0f}/s (median of {len(pgbench_rates)} rounds)"]
    for version in VERSIONS:
        rows = posts[version]
        rate = median(rows, "requests_per_second")
        lines.append(
            f"{version}: POST /tweets {rate:.0f}/s = {rate / pgbench_rate:.2f} of pgbench; p50 {median(rows, 'p50_ms'):.1f} ms, "
            f"p99 {median(rows, 'p99_ms'):.1f} ms = {median(rows, 'p99_ms') / (load.CONNECTIONS / rate * 1000):.2f} x "
            f"the mean wait; CPU ms per POST: workers {median(rows, 'worker_cpu_ms'):.2f}, "
            f"PostgreSQL {median(rows, 'postgres_cpu_ms'):.2f}")
    for path in speed_bench.TAIL_PATHS:
        for version in VERSIONS:
            row = tails[version][path]
            mean_wait_ms = load.CONNECTIONS / row["requests_per_second"] * 1000
            lines.append(f"{version}: GET {path} {row['requests_per_second']:.0f}/s, p99 {row['p99_ms']:.2f} ms = "
                         f"{row['p99_ms'] / mean_wait_ms:.2f} x the mean wait, over {load.TIMEOUT_SECONDS:.0f} s: "
                         f"{row['over_2s']}")
    bare_rate = statistics.median(bare)
    for version in VERSIONS:
        rate = statistics.median(drained[version])
        lines.append(f"{version}: consumer {rate:.0f} events/s = {rate / bare_rate:.2f} of bare pgmq "
                     f"({bare_rate:.0f} msg/s, median of {len(bare)} beside the drains)")
    return lines


def main(revision: str) -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="before-after-"))
    trees = {"before": checkout(revision, root / "before"), "after": load.REPOSITORY}
    url = local_server.server(root / "data").get_uri()
    servers = {}
    try:
        consumer_bench.prepare(url)
        insert_trigger_bench.create_numbered_writers(url, load.CONNECTIONS)
        for version in VERSIONS:
            port = load.free_port()
            servers[version] = (port, load.start_gunicorn(url, port, root / f"{version}.log",
                                                          repository=trees[version]))
        posts, pgbench_rates = post_rounds(root, url, servers)
        tails = {version: speed_bench.tail_rows(servers[version][0]) for version in VERSIONS}
        for _, gunicorn in servers.values():
            gunicorn.terminate()
            gunicorn.wait(30)
        servers.clear()
        drained, bare = drains(root, url, trees)
    finally:
        for _, gunicorn in servers.values():
            gunicorn.terminate()
        local_server.stop(root / "data")
        subprocess.run(["git", "-C", str(load.REPOSITORY), "worktree", "remove", "--force", str(trees["before"])],
                       check=False)
        shutil.rmtree(root, ignore_errors=True)
    lines = report(posts, pgbench_rates, tails, drained, bare)
    print("\n".join(lines), flush=True)
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.before_after REVISION  (a git revision to measure beside this checkout)")
    main(sys.argv[1])
