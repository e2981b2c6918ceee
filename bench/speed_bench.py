"""Issue 20's three ratios, each measured side by side in one run on one embedded server (a few minutes):

1. `POST /tweets` through gunicorn (the Procfile's command, one gevent worker per core, 16 keep-alive
   connections, 16 authors) against the same transaction sent straight to PostgreSQL by pgbench as
   the caller (16 clients): BEGIN, the caller's role, claims and statement timeout set locally, the
   API's own `insert_tweet` statement (RLS, the enqueue and write-limit triggers, the row returned
   with its author), COMMIT. Rounds alternate, the medians are compared. Goals: >= 0.30, p99 <= 50 ms.
2. Tail fairness at 16 connections: `GET /healthz`, `GET /config.json`, a client file and
   `GET /tweets`, each p99 against the mean wait, 16 / the rate. Goal: p99 <= 4 x the mean wait,
   no request over 2 s (wrk's timeout).
3. The consumer draining 50,000 `tweet.created` events (one `python -m consumer run --drain`, its
   defaults) against bare `pgmq.read` + `pgmq.delete` by pgbench over a copy of the same messages,
   one client, the same batch size and session settings. Goal: >= 0.25. Beside it, the CPU each
   side spends per message (PostgreSQL's and its client's): on two cores the drain is bounded by it.

`python -m bench speed_bench`; SPEED_BENCH_SECONDS sets each web phase's measuring time (8),
SPEED_BENCH_ROUNDS the alternating POST / pgbench rounds (2).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from api.token import access_token
from bench import consumer_bench, insert_trigger_bench, load
from chirp import local_server
from chirp.queries import QUERIES
from chirp.settings import Settings

SECONDS = float(os.environ.get("SPEED_BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("SPEED_BENCH_ROUNDS", "2"))
BACKLOG_MESSAGES = 50_000
STATEMENT_TIMEOUT_MS = Settings().statement_timeout_ms
# The API's insert with pgbench's variables for its parameters: client N writes as numbered writer N.
CALLER_INSERT_SCRIPT = f"""\\set n random(1, 1000000000)
begin;
select set_config('role', 'authenticated', true),
  set_config('request.jwt.claims', json_build_object('sub', {insert_trigger_bench.WRITER_ID},
    'role', 'authenticated', 'aud', 'authenticated')::text, true),
  set_config('statement_timeout', '{STATEMENT_TIMEOUT_MS}', true);
{{insert}}
commit;
"""
BARE_QUEUE_SCRIPT = """begin;
select array_agg(msg_id)::text as ids from pgmq.read(queue_name => 'bare', vt => 30, qty => {batch_size}) \\gset
select pgmq.delete(queue_name => 'bare', msg_ids => :ids::bigint[]);
commit;
"""
TAIL_PATHS = ("/healthz", "/config.json", "/web/app.js", "/tweets")
TAIL_GOAL = 4.0
COMMAND = "python -m bench speed_bench"
# How long the backends of clients that have just disconnected take to end (see cpu_seconds).
CPU_SETTLE_SECONDS = 1.0
# The last lines of the report: a title and the three ratios.
SUMMARY_LINES = 4
POST_RATIO_GOAL, POST_P99_GOAL_MS, CONSUMER_RATIO_GOAL = 0.30, 50.0, 0.25


def caller_insert_script() -> str:
    """CALLER_INSERT_SCRIPT with the API's `insert_tweet` statement, written for pgbench (one line)."""
    statement = " ".join(line for line in QUERIES["insert_tweet"].splitlines() if not line.startswith("--"))
    for name, value in {"user_id": f"{insert_trigger_bench.WRITER_ID}::uuid",
                        "content": "'benchmark tweet ' || :n || ' about #postgres'",
                        "reply_to_id": "null::uuid", "quote_of_id": "null::uuid"}.items():
        statement = statement.replace(f"%({name})s", value)
    return CALLER_INSERT_SCRIPT.format(insert=statement.rstrip(";") + ";")


def pgbench(url: str, script: Path, arguments: list[str], options: str = "") -> str:
    """pgbench's output for `script` (prepared statements) against `url`."""
    parameters = conninfo_to_dict(url)
    return subprocess.run(
        [str(local_server.bin_directory() / "pgbench"), "-n", "-M", "prepared", *arguments, "-f", str(script),
         "-h", parameters["host"], "-p", str(parameters.get("port", 5432)), "-U", "postgres",
         parameters.get("dbname", "postgres")],
        check=True, capture_output=True, text=True, env={**os.environ, "PGOPTIONS": options},
    ).stdout


def tps(output: str) -> float:
    """Transactions per second from pgbench's output (without the connections' start)."""
    return float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", output).group(1))


def measure(port: int, method: str, path: str, requests: list[tuple]) -> dict:
    """`bench.load.measure` for SECONDS."""
    return load.measure(port, method, path, requests, 201 if method == "POST" else 200, SECONDS)


def cpu_milliseconds_each(measured, count: float, gunicorn: subprocess.Popen, root: Path) -> tuple[float, float, float]:
    """(`measured()`'s result, CPU ms per `count(result)` of gunicorn's workers and of PostgreSQL).

    The CPU counts from before the warm-up to the end, so `count` estimates the whole run's requests.
    """
    before = load.cpu_seconds(gunicorn, root / "data")
    result = measured()
    after = load.cpu_seconds(gunicorn, root / "data")
    requests = count(result)
    return result, (after[0] - before[0]) * 1000 / requests, (after[1] - before[1]) * 1000 / requests


def post_requests() -> list[tuple]:
    """One prepared POST /tweets per connection, each by its own numbered author."""
    body = json.dumps({"content": "benchmark tweet about #postgres"}).encode()
    return [(body, {"Authorization": f"Bearer {access_token(load.JWT_SECRET, writer)}",
                    "Content-Type": "application/json"})
            for writer in (f"00000000-0000-4000-8000-{number:012d}" for number in range(load.CONNECTIONS))]


def caller_insert_file(root: Path) -> Path:
    """caller_insert_script() written where pgbench reads it."""
    script = root / "caller_insert.sql"
    script.write_text(caller_insert_script())
    return script


def post_round(root: Path, port: int, gunicorn: subprocess.Popen, requests: list[tuple]) -> dict:
    """One round of POST /tweets through `gunicorn`, with CPU ms per POST of its workers and of PostgreSQL."""
    row, row["worker_cpu_ms"], row["postgres_cpu_ms"] = cpu_milliseconds_each(
        lambda: measure(port, "POST", "/tweets", requests),
        lambda result: result["requests_per_second"] * (load.WARM_UP_SECONDS + 0.5 + SECONDS), gunicorn, root)
    return row


def caller_transactions_per_second(url: str, script: Path) -> float:
    """One round of pgbench's caller transaction, 16 clients."""
    return tps(pgbench(url, script, ["-c", str(load.CONNECTIONS), "-j", "2", "-T", str(int(SECONDS))]))


def post_rounds(root: Path, url: str, port: int, gunicorn: subprocess.Popen) -> tuple[list[dict], list[dict]]:
    """Alternating rounds of POST /tweets through gunicorn and of pgbench's caller transaction, with
    CPU milliseconds per request (of the workers, of PostgreSQL)."""
    requests, script = post_requests(), caller_insert_file(root)
    web, database = [], []
    for _ in range(ROUNDS):
        web.append(post_round(root, port, gunicorn, requests))
        rate, _, postgres_cpu_ms = cpu_milliseconds_each(
            lambda: caller_transactions_per_second(url, script), lambda result: result * SECONDS, gunicorn, root)
        database.append({"rate": rate, "postgres_cpu_ms": postgres_cpu_ms})
    return web, database


def tail_rows(port: int) -> dict[str, dict]:
    """Each of TAIL_PATHS at 16 connections, anonymous."""
    return {path: measure(port, "GET", path, [(None, {})] * load.CONNECTIONS) for path in TAIL_PATHS}


def bare_queue_rate(root: Path, url: str, batch_size: int) -> tuple[float, float]:
    """(messages/s of pgbench's read + delete, one client, over a copy of the backlog in queue
    `bare`; CPU ms per message of PostgreSQL and pgbench together)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("select pgmq.create('bare')")
        connection.execute("select pgmq.send_batch('bare', array(select message from pgmq.q_events))")
        connection.execute("analyze pgmq.q_bare")
        count = connection.execute("select count(*) from pgmq.q_bare").fetchone()[0]
    script = root / "bare_queue.sql"
    script.write_text(BARE_QUEUE_SCRIPT.format(batch_size=batch_size))
    transactions = -(-count // batch_size)
    cpu_before = sum(cpu_seconds(root))
    # The consumer's session settings (configure_session): asynchronous commit, UTC.
    rate = tps(pgbench(url, script, ["-c", "1", "-t", str(transactions)],
                       "-c synchronous_commit=off -c TimeZone=UTC")) * count / transactions
    cpu_ms = (sum(cpu_seconds(root)) - cpu_before) * 1000 / count
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("select pgmq.drop_queue('bare')")
    return rate, cpu_ms


def cpu_seconds(root: Path) -> tuple[float, float]:
    """CPU seconds used so far by PostgreSQL, and by this process's ended children (pgbench, consumers).

    A backend's time moves to the postmaster's once it has ended and been reaped: wait for the
    backends of the clients that just left to be gone.
    """
    time.sleep(CPU_SETTLE_SECONDS)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return load.database_cpu_seconds(root / "data"), children.ru_utime + children.ru_stime


def consumer_rates(root: Path, url: str) -> dict:
    """The consumer's events/s draining BACKLOG_MESSAGES and bare pgbench's messages/s side by side,
    with the CPU ms per message of each side (PostgreSQL included) and of the consumer alone."""
    batch_size = Settings().consumer_batch_size
    consumer_bench.reset(url)
    consumer_bench.insert_backlog(url, BACKLOG_MESSAGES)
    bare, bare_cpu_ms = bare_queue_rate(root, url, batch_size)
    database_before, consumer_before = cpu_seconds(root)
    drained, _, _ = consumer_bench.drain_with_consumers(url, batch_size, 1, Settings().consumer_concurrency)
    database_after, consumer_after = cpu_seconds(root)
    consumer_ms = (consumer_after - consumer_before) * 1000 / BACKLOG_MESSAGES
    return {"drained": drained, "bare": bare, "consumer_cpu_ms": consumer_ms,
            "drain_cpu_ms": consumer_ms + (database_after - database_before) * 1000 / BACKLOG_MESSAGES,
            "bare_cpu_ms": bare_cpu_ms}


def run(root: Path) -> dict:
    """Every phase on a server under `root`; the figures."""
    url = local_server.server(root / "data").get_uri()
    try:
        consumer_bench.prepare(url)
        insert_trigger_bench.create_numbered_writers(url, load.CONNECTIONS)
        port = load.free_port()
        gunicorn = load.start_gunicorn(url, port, root / "gunicorn.log")
        try:
            web, database = post_rounds(root, url, port, gunicorn)
            tails = tail_rows(port)
        finally:
            gunicorn.terminate()
            gunicorn.wait(30)
        consumer = consumer_rates(root, url)
    finally:
        local_server.stop(root / "data")
    return {"web": web, "database": database, "tails": tails, **consumer}


def report(figures: dict) -> list[str]:
    """The figures as lines, the three ratios last, each with its goal and its command."""
    web, database, tails = figures["web"], figures["database"], figures["tails"]
    lines = [f"POST /tweets round {number}: {row['requests_per_second']:.0f}/s, p50 {row['p50_ms']:.1f} ms, "
             f"p99 {row['p99_ms']:.1f} ms, errors {row['errors']}, CPU ms per POST: workers "
             f"{row['worker_cpu_ms']:.2f}, PostgreSQL {row['postgres_cpu_ms']:.2f}; pgbench {pgbench_row['rate']:.0f}/s, "
             f"PostgreSQL CPU ms per transaction {pgbench_row['postgres_cpu_ms']:.2f}"
             for number, (row, pgbench_row) in enumerate(zip(web, database), 1)]
    post_rate = statistics.median(row["requests_per_second"] for row in web)
    post_p99 = statistics.median(row["p99_ms"] for row in web)
    # At 16 connections no p99 can be below the mean wait, 16 / the rate: the machine-free figure.
    post_tail = post_p99 / (load.CONNECTIONS / post_rate * 1000)
    ratio = post_rate / statistics.median(row["rate"] for row in database)
    tail_ratios = {}
    for path, row in tails.items():
        mean_wait_ms = load.CONNECTIONS / row["requests_per_second"] * 1000
        tail_ratios[path] = row["p99_ms"] / mean_wait_ms
        lines.append(f"GET {path}: {row['requests_per_second']:.0f}/s, mean wait {mean_wait_ms:.2f} ms, "
                     f"p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, max {row['max_ms']:.0f} ms, "
                     f"over {load.TIMEOUT_SECONDS:.0f} s: {row['over_2s']}")
    consumer_ratio = figures["drained"] / figures["bare"]
    lines.append(f"consumer drain of {BACKLOG_MESSAGES:,}: {figures['drained']:.0f} events/s; "
                 f"bare pgmq read+delete (pgbench, 1 client): {figures['bare']:.0f} msg/s; "
                 f"CPU ms per message, PostgreSQL and client together: consumer {figures['drain_cpu_ms']:.3f} "
                 f"(the consumer process alone {figures['consumer_cpu_ms']:.3f}), bare {figures['bare_cpu_ms']:.3f}")
    worst = max(tail_ratios, key=tail_ratios.get)
    timeouts = sum(row["over_2s"] for row in tails.values())
    lines += [
        "-- issue 20's ratios, each side by side in one run; again with the command in brackets:",
        f"web vs database, POST /tweets / pgbench caller transaction: {ratio:.2f} (goal >= {POST_RATIO_GOAL}); "
        f"POST p99 {post_p99:.1f} ms (goal <= {POST_P99_GOAL_MS:.0f}), {post_tail:.2f} x its mean wait  [{COMMAND}]",
        "tail, p99 / mean wait: " + ", ".join(f"{path} {value:.2f}" for path, value in tail_ratios.items())
        + f"; worst {worst} {tail_ratios[worst]:.2f} (goal <= {TAIL_GOAL:.0f}), {timeouts} over "
        f"{load.TIMEOUT_SECONDS:.0f} s  [{COMMAND}]",
        f"consumer vs bare pgmq, per process: {consumer_ratio:.2f} (goal >= {CONSUMER_RATIO_GOAL})  [{COMMAND}]",
    ]
    return lines


def main() -> list[str]:
    """`python -m bench speed_bench`: print the figures; returns the summary (the ratios, for `make bench`)."""
    root = Path(tempfile.mkdtemp(prefix="speedbench-"))
    try:
        lines = report(run(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(lines), flush=True)
    return lines[-SUMMARY_LINES:]
