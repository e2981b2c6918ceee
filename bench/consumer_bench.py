"""The consumer's throughput, memory and latency, and the write-path cost of the insert NOTIFY.

On one embedded server of its own, with PostgreSQL's durable defaults (fsync on), as production:

1. inserts/s into `tweets` (pgbench, single-row transactions) without an insert NOTIFY, with
   pgmq's throttled one (10 ms as migrated, and 100 ms), with our fallback trigger for pgmq 1.5.1,
   and with a NOTIFY on every insert, the variants alternating round by round;
2. the rate of bare `pgmq.read` + `pgmq.delete` (same batch size, the consumer's session settings,
   one transaction per batch, one connection) over a copy of a backlog of 50,000 `tweet.created`
   messages, then the real `python -m consumer run --drain` over the backlog itself (mentions and
   hashtags in every tweet) with 1 to 3 worker threads (CONSUMER_CONCURRENCY) and with 2
   processes, and the ratio, the bare rate measured again beside every drain (other work on the
   machine moves both alike). A drain is timed from the consumer's "consumer started" log line to
   its "consumer stopped", as the bare loop is timed, and also with the process start (about 0.3 s);
   peak resident memory of the consumer for 5,000 and 50,000 messages;
3. end-to-end latency from the start of a tweet's creation to its committed, visible notification
   at a steady 200 tweets/s, p50, p99 and max: through `POST /tweets` on the Procfile's web process,
   and with SQL as the author (the role and claims the API sets), without HTTP; and with SQL in
   close pairs (the second tweet 1 to 12 ms after the first, then a pause), where a throttled
   notification once left the second waiting for the consumer's one-second poll.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Callable

import jwt
import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench import insert_trigger_bench
from chirp import local_server
from chirp.migrator import migrate
from chirp.queries import QUERIES
from chirp.settings import Settings

REPOSITORY = Path(__file__).resolve().parent.parent
BACKLOG_MESSAGES = 50_000
SMALL_BACKLOG_MESSAGES = 5_000
DEFAULT_BATCH_SIZE = 100
DEFAULT_CONCURRENCY = Settings().consumer_concurrency
# Drains measured: (CONSUMER_BATCH_SIZE, processes, CONSUMER_CONCURRENCY); the bare queue runs with
# the same batch size beside each.
DRAINS = (
    (DEFAULT_BATCH_SIZE, 1, 1),
    (DEFAULT_BATCH_SIZE, 1, 2),
    (DEFAULT_BATCH_SIZE, 1, 3),
    (DEFAULT_BATCH_SIZE, 2, DEFAULT_CONCURRENCY),
    (500, 1, DEFAULT_CONCURRENCY),
)
MENTIONED_USERS = 200
LATENCY_INSERTS_PER_SECOND = 200
LATENCY_DURATION_SECONDS = 15
LATENCY_POLL_SECONDS = 0.001
CLOSE_PAIRS = 150
CLOSE_PAIR_PAUSE_SECONDS = 0.1
WEB_START_SECONDS = 30
UNLIMITED_RATE = "1000000/minute"
PGBENCH_CLIENTS = 8
PGBENCH_SECONDS_PER_ROUND = 5
PGBENCH_ROUNDS = 3
PGBENCH_SCRIPT = """\\set n random(1, 1000000000)
insert into public.tweets (user_id, content) values ('{user_id}', 'benchmark tweet ' || :n || ' about #postgres');
"""
# Notify variants of the write-path benchmark: label -> SQL that sets it up (constants only).
AS_MIGRATED = "pgmq's throttled NOTIFY, 10 ms (as migrated)"
OUR_TRIGGER = """
select pgmq.disable_notify_insert('events');
insert into public.queue_notify_throttle (queue_name, throttle_interval) values ('events', '10 milliseconds')
  on conflict (queue_name) do update set throttle_interval = excluded.throttle_interval;
create trigger notify_queue_insert after insert on pgmq.q_events
  for each statement execute function public.notify_queue_insert();
"""
NOTIFY_VARIANTS = {
    "no NOTIFY": "select pgmq.disable_notify_insert('events')",
    AS_MIGRATED: "select pgmq.enable_notify_insert('events', 10)",
    "pgmq's throttled NOTIFY, 100 ms": "select pgmq.enable_notify_insert('events', 100)",
    "our fallback trigger (pgmq 1.5.1), 10 ms": OUR_TRIGGER,
    "NOTIFY on every insert (pgmq's, unthrottled)": "select pgmq.enable_notify_insert('events', 0)",
}
# Undoes OUR_TRIGGER, so that the next variant starts from pgmq's notification alone.
DROP_OUR_TRIGGER = "drop trigger if exists notify_queue_insert on pgmq.q_events"


def prepare(url: str) -> str:
    """Migrate, create the author and the users it mentions; returns the author's id."""
    # The database write limit out of the way: the benchmark posts far more than 30 a minute.
    migrate(url, write_limit=insert_trigger_bench.UNREFUSING_WRITE_LIMIT)
    with psycopg.connect(url) as connection:
        connection.execute(
            "insert into auth.users (id, email) select gen_random_uuid(), 'user' || n || '@example.test'"
            " from generate_series(0, %s) as n", (MENTIONED_USERS,))
        connection.execute(
            "insert into public.profiles (id, username)"
            " select id, 'user' || split_part(split_part(email, '@', 1), 'user', 2) from auth.users")
        return str(connection.execute("select id from public.profiles where username = 'user0'").fetchone()[0])


def reset(url: str) -> None:
    """Empty tweets, notifications, counters and the queue, with fresh statistics."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("truncate public.tweets, public.notifications, public.profile_counters,"
                           " public.hashtag_hourly_counts cascade")
        connection.execute("truncate pgmq.q_events")
        connection.execute("vacuum analyze")


def insert_backlog(url: str, count: int) -> None:
    """Insert `count` tweets by every user in one statement (the trigger enqueues them), then ANALYZE."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "insert into public.tweets (user_id, content)"
            " select authors.ids[1 + (n * 13) %% cardinality(authors.ids)],"
            "   format('hello @user%%s and @USER%%s, see #topic%%s and #Bench', n %% %s + 1,"
            "     (n * 7) %% %s + 1, n %% 50)"
            " from generate_series(1, %s) as n, (select array_agg(id) as ids from public.profiles) as authors",
            (MENTIONED_USERS, MENTIONED_USERS, count))
        # Right after a bulk load the planner knows nothing of the queue table: reads would be slow.
        connection.execute("analyze pgmq.q_events")
        connection.execute("analyze public.tweets")


def bare_queue_rate(url: str, batch_size: int) -> float:
    """Messages/s of bare read + delete, batch by batch, over a copy of the backlog in queue `bare`."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("select pgmq.create('bare')")
        connection.execute("select pgmq.send_batch('bare', array(select message from pgmq.q_events))")
        connection.execute("analyze pgmq.q_bare")
    with psycopg.connect(url) as connection:
        # The consumer's session settings (asynchronous commit above all), so that only the work differs.
        connection.execute(QUERIES["configure_session"])
        connection.commit()
        started, handled = time.perf_counter(), 0
        while True:
            ids = [row[0] for row in connection.execute(
                "select msg_id from pgmq.read(queue_name => %s::text, vt => %s::integer, qty => %s::integer)",
                ("bare", 30, batch_size))]
            if not ids:
                break
            connection.execute("select pgmq.delete(queue_name => %s::text, msg_ids => %s::bigint[])", ("bare", ids))
            connection.commit()
            handled += len(ids)
        elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("select pgmq.drop_queue('bare')")
    return handled / elapsed


def consumer_environment(url: str, batch_size: int, concurrency: int = DEFAULT_CONCURRENCY) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "CONSUMER_BATCH_SIZE": str(batch_size),
            "CONSUMER_CONCURRENCY": str(concurrency)}


def drain_with_consumers(url: str, batch_size: int, processes: int, concurrency: int = DEFAULT_CONCURRENCY,
                         repository: Path = REPOSITORY) -> tuple[float, float, float]:
    """Run `processes` x `python -m consumer run --drain` to completion, the code of `repository`.

    Returns (events/s from the first "consumer started" log line to the last "consumer stopped",
    the way the bare rate is timed; events/s including process start; peak RSS in MB).
    """
    with psycopg.connect(url, autocommit=True) as connection:
        backlog = connection.execute("select count(*) from pgmq.q_events").fetchone()[0]
    started = time.perf_counter()
    logs = [tempfile.TemporaryFile() for _ in range(processes)]
    consumers = [
        subprocess.Popen([sys.executable, "-m", "consumer", "run", "--drain"], cwd=repository,
                         env={**consumer_environment(url, batch_size, concurrency), "PYTHONPATH": str(repository)},
                         stderr=log)
        for log in logs
    ]
    peak_resident_megabytes = 0.0
    for consumer in consumers:
        # wait4 gives this child's own resource usage, peak resident memory included.
        _, status, usage = os.wait4(consumer.pid, 0)
        consumer.returncode = os.waitstatus_to_exitcode(status)
        if consumer.returncode != 0:
            raise RuntimeError(f"consumer exited with {consumer.returncode}")
        peak_resident_megabytes = max(peak_resident_megabytes, usage.ru_maxrss / 1024)
    elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as connection:
        left = connection.execute("select count(*) from pgmq.q_events").fetchone()[0]
    if left:
        raise RuntimeError(f"{left} messages left after the drain")
    return backlog / draining_seconds(logs), backlog / elapsed, peak_resident_megabytes


def draining_seconds(logs: list) -> float:
    """Seconds from the first consumer's "consumer started" log line to the last one's "consumer stopped"."""
    started, stopped = [], []
    for log in logs:
        log.seek(0)
        for line in log.read().decode().splitlines():
            record = json.loads(line)
            moments = {"consumer started": started, "consumer stopped": stopped}.get(record["message"])
            if moments is not None:
                moments.append(datetime.fromisoformat(record["time"]))
        log.close()
    return (max(stopped) - min(started)).total_seconds()


def send_paced(send: Callable[[int], uuid.UUID], started_at: dict, stop: threading.Event) -> None:
    """Call `send(n)` (one tweet mentioning user1) LATENCY_INSERTS_PER_SECOND times a second."""
    total = LATENCY_INSERTS_PER_SECOND * LATENCY_DURATION_SECONDS
    first = time.perf_counter()
    try:
        for n in range(total):
            delay = first + n / LATENCY_INSERTS_PER_SECOND - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            started_at[send(n)] = began
    finally:
        stop.set()


def send_in_close_pairs(send: Callable[[int], uuid.UUID], started_at: dict, stop: threading.Event) -> None:
    """Send tweets in pairs, the second 1 to 12 ms after the first, then pause CLOSE_PAIR_PAUSE_SECONDS."""
    try:
        for pair in range(CLOSE_PAIRS):
            for half, pause in enumerate((0.001 + 0.011 * (pair % 12) / 11, CLOSE_PAIR_PAUSE_SECONDS)):
                began = time.perf_counter()
                started_at[send(2 * pair + half)] = began
                time.sleep(pause)
    finally:
        stop.set()


def sql_sender(url: str, author_id: str) -> tuple[Callable[[int], uuid.UUID], Callable[[], None]]:
    """Insert a tweet with SQL as its author (the role and claims the API sets): (send, close)."""
    claims = json.dumps({"sub": author_id, "role": "authenticated", "aud": "authenticated"})
    connection = psycopg.connect(url)

    def send(n: int) -> uuid.UUID:
        connection.execute("select set_config('role', 'authenticated', true),"
                           " set_config('request.jwt.claims', %s, true)", (claims,))
        tweet_id = connection.execute(
            "insert into public.tweets (user_id, content) values (%s, %s) returning id",
            (author_id, f"latency {n} @user1 #latency")).fetchone()[0]
        connection.commit()
        return tweet_id

    return send, connection.close


def http_sender(base_url: str, token: str) -> tuple[Callable[[int], uuid.UUID], Callable[[], None]]:
    """POST /tweets as the author through the web process: (send, close)."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def send(n: int) -> uuid.UUID:
        response = session.post(f"{base_url}/tweets", json={"content": f"latency {n} @user1 #latency"}, timeout=10)
        response.raise_for_status()
        return uuid.UUID(response.json()["id"])

    return send, session.close


def watch_notifications(url: str, committed_at: dict, seen_at: dict, stop: threading.Event) -> None:
    """Note when each inserted tweet's notification becomes visible, polling every millisecond."""
    deadline = None
    with psycopg.connect(url, autocommit=True) as connection:
        while True:
            pending = [tweet_id for tweet_id in list(committed_at) if tweet_id not in seen_at]
            if pending:
                rows = connection.execute(
                    "select tweet_id from public.notifications where tweet_id = any(%s)", (pending,))
                now = time.perf_counter()
                for (tweet_id,) in rows:
                    seen_at[tweet_id] = now
            elif stop.is_set():
                return
            if stop.is_set():
                deadline = deadline or time.perf_counter() + 30
                if time.perf_counter() > deadline:
                    return
            time.sleep(LATENCY_POLL_SECONDS)


def end_to_end_latency(url: str, sender, consumer_environment: dict[str, str],
                       pacing=send_paced) -> tuple[float, float, float, int]:
    """p50, p99 and max in ms from the start of each send to its visible notification, and how many never showed."""
    send, close = sender
    consumer = subprocess.Popen([sys.executable, "-m", "consumer"], cwd=REPOSITORY,
                                env=consumer_environment, stderr=subprocess.DEVNULL)
    try:
        warm_up(url, send)
        started_at: dict = {}
        seen_at: dict = {}
        stop = threading.Event()
        watcher = threading.Thread(target=watch_notifications, args=(url, started_at, seen_at, stop))
        watcher.start()
        pacing(send, started_at, stop)
        watcher.join()
    finally:
        close()
        consumer.terminate()
        consumer.wait(30)
    latencies = sorted((seen_at[key] - started_at[key]) * 1000 for key in seen_at)
    percentile = statistics.quantiles(latencies, n=100)
    return percentile[49], percentile[98], latencies[-1], len(started_at) - len(seen_at)


def warm_up(url: str, send: Callable[[int], uuid.UUID]) -> None:
    """Send one tweet and wait for its notification: the consumer has started, connections are open."""
    tweet_id = send(-1)
    deadline = time.monotonic() + WEB_START_SECONDS
    with psycopg.connect(url, autocommit=True) as connection:
        while not connection.execute("select 1 from public.notifications where tweet_id = %s", (tweet_id,)).fetchone():
            if time.monotonic() > deadline:
                raise RuntimeError("the consumer did not process the warm-up tweet")
            time.sleep(LATENCY_POLL_SECONDS)


@contextlib.contextmanager
def web_process(url: str, author_id: str):
    """The Procfile's web process on a free port; yields (base URL, a token for the author)."""
    secret = secrets.token_urlsafe(32)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": url, "SUPABASE_JWT_SECRET": secret, "PORT": str(port),
                   "RATE_LIMIT_WRITE": UNLIMITED_RATE, "RATE_LIMIT_READ": UNLIMITED_RATE}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "api:create_app()", "--bind", f"127.0.0.1:{port}",
         "--config", "python:api.server.gunicorn_config"],
        cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, web)
        now = int(time.time())
        token = jwt.encode({"sub": author_id, "role": "authenticated", "aud": "authenticated",
                            "iat": now, "exp": now + 3600}, secret, algorithm="HS256")
        yield base_url, token
    finally:
        web.terminate()
        web.wait(30)


def wait_until_ready(base_url: str, web: subprocess.Popen) -> None:
    """Poll GET /readyz until it answers 200; fail when the process dies or the deadline passes."""
    import requests

    deadline = time.monotonic() + WEB_START_SECONDS
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError(f"the web process exited with {web.returncode}")
        try:
            if requests.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the web process was not ready within {WEB_START_SECONDS} s")


def pgbench_rate(url: str, script: Path) -> float:
    """Run pgbench for one round and return its transactions per second."""
    parameters = conninfo_to_dict(url)
    output = subprocess.run(
        [str(local_server.bin_directory() / "pgbench"), "-n", "-M", "prepared", "-c", str(PGBENCH_CLIENTS),
         "-j", "2", "-T", str(PGBENCH_SECONDS_PER_ROUND), "-f", str(script), "-h", parameters["host"],
         "-p", str(parameters.get("port", 5432)), "-U", "postgres", parameters.get("dbname", "postgres")],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


def write_path_rates(url: str, author_id: str, root: Path) -> dict[str, list[float]]:
    """Inserts/s of every round, per notify variant, the variants alternating round by round."""
    script = root / "insert.sql"
    script.write_text(PGBENCH_SCRIPT.format(user_id=author_id))
    rates: dict[str, list[float]] = {label: [] for label in NOTIFY_VARIANTS}
    for _ in range(PGBENCH_ROUNDS):
        for label, setup in NOTIFY_VARIANTS.items():
            reset(url)
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(DROP_OUR_TRIGGER)
                connection.execute(setup)
            rates[label].append(pgbench_rate(url, script))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(DROP_OUR_TRIGGER)
        connection.execute(NOTIFY_VARIANTS[AS_MIGRATED])
    return rates


def report_write_path(url: str, author_id: str, root: Path) -> None:
    """Print the median inserts/s per notify variant, with every round's figure."""
    rates = write_path_rates(url, author_id, root)
    baseline = statistics.median(rates["no NOTIFY"])
    for label, values in rates.items():
        median = statistics.median(values)
        print(f"write path, {PGBENCH_CLIENTS} clients, single-row inserts/s, {label}: {median:6.0f}"
              f" ({median / baseline:.2f} of no NOTIFY; rounds {', '.join(f'{v:.0f}' for v in values)})",
              flush=True)


def report_drain(url: str) -> None:
    """Print drain rates beside the bare queue's, and peak memory for a small and a large backlog."""
    reset(url)
    insert_backlog(url, SMALL_BACKLOG_MESSAGES)
    rate, _, small_memory = drain_with_consumers(url, DEFAULT_BATCH_SIZE, 1)
    print(f"backlog {SMALL_BACKLOG_MESSAGES}, batch {DEFAULT_BATCH_SIZE}, 1 consumer x {DEFAULT_CONCURRENCY}"
          f" threads: {rate:6.0f} events/s, peak RSS {small_memory:.1f} MB", flush=True)
    for batch_size, processes, concurrency in DRAINS:
        reset(url)
        insert_backlog(url, BACKLOG_MESSAGES)
        bare = bare_queue_rate(url, batch_size)
        rate, rate_with_start, memory = drain_with_consumers(url, batch_size, processes, concurrency)
        print(f"backlog {BACKLOG_MESSAGES}, batch {batch_size}, {processes} consumer(s) x {concurrency} threads:"
              f" {rate:6.0f} events/s = {rate / bare:.2f} x bare pgmq.read + pgmq.delete ({bare:.0f} messages/s);"
              f" with process start {rate_with_start:.0f} events/s = {rate_with_start / bare:.2f} x bare;"
              f" peak RSS {memory:.1f} MB", flush=True)


def report_latency(url: str, author_id: str) -> None:
    """Print end-to-end latency at a steady rate, through the API (POST /tweets) and through SQL."""
    label = (f"end-to-end latency at {LATENCY_INSERTS_PER_SECOND}/s for"
             f" {LATENCY_DURATION_SECONDS} s, 1 consumer")
    reset(url)
    environment = consumer_environment(url, DEFAULT_BATCH_SIZE)
    p50, p99, most, missed = end_to_end_latency(url, sql_sender(url, author_id), environment)
    print(f"{label}, SQL insert as the author -> notification visible: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
          f" max {most:.1f} ms, never seen {missed}", flush=True)
    reset(url)
    p50, p99, most, missed = end_to_end_latency(url, sql_sender(url, author_id), environment, send_in_close_pairs)
    print(f"latency of {CLOSE_PAIRS} close pairs (1 to 12 ms apart, {CLOSE_PAIR_PAUSE_SECONDS * 1000:.0f} ms"
          f" between pairs), SQL -> notification visible: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {most:.1f} ms"
          f" (goal <= 250 ms), never seen {missed}", flush=True)
    reset(url)
    try:
        with web_process(url, author_id) as (base_url, token):
            p50, p99, most, missed = end_to_end_latency(url, http_sender(base_url, token), environment)
    except Exception as error:  # noqa: BLE001 - the API is optional here: say why, keep the rest
        print(f"{label}, POST /tweets: not measured ({type(error).__name__}: {error})", flush=True)
        return
    print(f"{label}, POST /tweets -> notification visible: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
          f" max {most:.1f} ms, never seen {missed}", flush=True)


def main() -> None:
    """Run every measurement on a server of its own and print the figures."""
    root = Path(tempfile.mkdtemp(prefix="consumer-bench-"))
    data_directory = root / "data"
    try:
        url = local_server.server(data_directory).get_uri()
        author_id = prepare(url)
        print(f"cores: {os.cpu_count()}; PostgreSQL defaults (fsync on)",
              flush=True)
        report_write_path(url, author_id, root)
        report_drain(url)
        report_latency(url, author_id)
    finally:
        local_server.stop(data_directory)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
