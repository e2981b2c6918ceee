"""`make bench-soak`: the whole system for minutes at a steady write rate, watched as it runs.

On an embedded server of its own (durable defaults), migrated, with the Procfile's two processes
(gunicorn `api:create_app()` and `python -m consumer`): SOAK_WRITERS users, each following
SOAK_FOLLOWS others, post tweets (each mentioning a user) through POST /tweets at SOAK_RATE per
second in all, paced, and readers page GET /timeline at a tenth of that, for SOAK_SECONDS. Every
SOAK_SAMPLE_SECONDS it records the queue's depth and oldest message, what the consumer processed,
the size of the queue table and of home_timeline with their indexes, and the resident memory of
every process (unique set sizes: gunicorn's master and workers, the consumer, PostgreSQL's
processes summed); at the
end, those at the start and the end, and the errors (non-2xx answers, dead letters).
Goals: queue depth never more than one second of work (SOAK_RATE), sizes bounded, memory flat, no error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg

from api.token import access_token
from bench import insert_trigger_bench
from bench.dataset import create_users
from bench.load import JWT_SECRET, KeepAliveClient, free_port, start_gunicorn
from chirp import local_server
from chirp.migrator import migrate

SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
RATE = float(os.environ.get("SOAK_RATE", "200"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "10"))
WRITERS = int(os.environ.get("SOAK_WRITERS", "200"))
FOLLOWS = int(os.environ.get("SOAK_FOLLOWS", "20"))
SENDER_THREADS = 8
REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLE = """
select (select count(*) from pgmq.q_events) as depth,
       coalesce(extract(epoch from now() - (select min(enqueued_at) from pgmq.q_events)), 0) as oldest_seconds,
       pg_total_relation_size('pgmq.q_events') as queue_bytes,
       pg_total_relation_size('public.home_timeline') as timeline_bytes,
       (select count(*) from public.home_timeline) as timeline_rows,
       (select count(*) from pgmq.a_events) as dead_letters,
       (select coalesce(sum(tweet_count), 0)::bigint from public.profile_counters) as tweets_counted
"""


class Load:
    """Paced senders: each thread owns keep-alive connections and sends at its share of the rate."""

    def __init__(self, port: int, tokens: list[str]):
        self.port = port
        self.tokens = tokens
        self.stopping = threading.Event()
        self.sent = 0
        self.errors: dict[int, int] = {}
        self.lock = threading.Lock()

    def run_thread(self, index: int, path: str, method: str, rate: float, expected: int) -> None:
        """Send requests of one kind at `rate` per second from this thread until stopped."""
        tokens = self.tokens[index::SENDER_THREADS]
        body = json.dumps({"content": f"soak tweet @writer{index + 1} #soak"}).encode() if method == "POST" else None
        clients = [KeepAliveClient(self.port, method, path, body, {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"}) for token in tokens]
        interval, next_at, turn = 1 / rate, time.monotonic(), 0
        while not self.stopping.is_set():
            status = clients[turn % len(clients)].send()
            turn += 1
            with self.lock:
                self.sent += 1
                if status != expected:
                    self.errors[status] = self.errors.get(status, 0) + 1
            next_at += interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))
        for client in clients:
            client.close()

    def start(self) -> list[threading.Thread]:
        """Writers at RATE in all, readers at a tenth of it."""
        threads = [threading.Thread(target=self.run_thread, args=(index, "/tweets", "POST", RATE / SENDER_THREADS, 201))
                   for index in range(SENDER_THREADS)]
        threads += [threading.Thread(target=self.run_thread, args=(index, "/timeline", "GET", RATE / 10 / 2, 200))
                    for index in range(2)]
        for thread in threads:
            thread.start()
        return threads


def resident_megabytes(process: psutil.Process, with_children: bool = True) -> float:
    """Memory of a process and, optionally, its children, in MB: unique set size (its own pages; the
    RSS of PostgreSQL's backends would count the shared buffers each of them has touched)."""
    total = 0
    for member in [process, *(process.children(recursive=True) if with_children else [])]:
        try:
            total += member.memory_full_info().uss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def cpu_seconds(process: psutil.Process, with_children: bool = True) -> float:
    """User + system CPU seconds of a process and, optionally, its children (ended ones included)."""
    times = process.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for member in process.children(recursive=True) if with_children else []:
        try:
            total += sum(member.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


def sample(url: str, processes: dict[str, psutil.Process], started: float) -> dict:
    """One row of measurements."""
    with psycopg.connect(url, autocommit=True) as connection:
        row = dict(zip(("depth", "oldest_seconds", "queue_bytes", "timeline_bytes", "timeline_rows",
                        "dead_letters", "tweets_counted"), connection.execute(SAMPLE).fetchone()))
    row["elapsed"] = time.monotonic() - started
    for name, process in processes.items():
        row[f"{name}_mb"] = resident_megabytes(process, with_children=name != "consumer")
        row[f"{name}_cpu"] = cpu_seconds(process, with_children=name != "consumer")
    return row


def print_row(row: dict) -> None:
    print(f"{row['elapsed']:>6.0f}{row['depth']:>7}{float(row['oldest_seconds']):>8.2f}{row['tweets_counted']:>9}"
          f"{row['queue_bytes'] / 2**20:>9.2f}{row['timeline_bytes'] / 2**20:>10.2f}{row['timeline_rows']:>10}"
          f"{row['web_mb']:>8.0f}{row['consumer_mb']:>9.0f}{row['postgres_mb']:>9.0f}", flush=True)


def create_writers(url: str) -> list[str]:
    """WRITERS users, each following the next FOLLOWS of them (the follows' events go to the consumer)."""
    with psycopg.connect(url) as connection:
        writers = create_users(connection, WRITERS, "writer")
        for offset in range(1, FOLLOWS + 1):
            connection.execute(
                "insert into public.follows (follower_id, followee_id) select a, b from "
                "unnest(%(a)s::uuid[], %(b)s::uuid[]) as pair(a, b)",
                {"a": writers, "b": writers[offset:] + writers[:offset]})
    return writers


def run(root: Path) -> None:
    """Set up, load for SECONDS while sampling, then report."""
    data = root / "data"
    url = local_server.server(data).get_uri()
    migrate(url, write_limit=insert_trigger_bench.UNREFUSING_WRITE_LIMIT)
    writers = create_writers(url)
    port = free_port()
    web = start_gunicorn(url, port, root / "gunicorn.log")
    consumer = subprocess.Popen([sys.executable, "-m", "consumer"], cwd=REPOSITORY,
                                env={**os.environ, "DATABASE_URL": url}, stdout=(root / "consumer.log").open("wb"),
                                stderr=subprocess.STDOUT)
    postmaster = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
    processes = {"web": psutil.Process(web.pid), "consumer": psutil.Process(consumer.pid), "postgres": postmaster}
    load = Load(port, [access_token(JWT_SECRET, writer) for writer in writers])
    try:
        time.sleep(2)  # the consumer's drain of the follows
        print(f"soak: {RATE:.0f} tweets/s for {SECONDS:.0f} s, {WRITERS} writers following {FOLLOWS} each", flush=True)
        print(f"{'s':>6}{'depth':>7}{'oldest':>8}{'counted':>9}{'queue MB':>9}{'tl MB':>10}{'tl rows':>10}"
              f"{'web MB':>8}{'cons MB':>9}{'pg MB':>9}", flush=True)
        started = time.monotonic()
        rows = [sample(url, processes, started)]
        print_row(rows[0])
        threads = load.start()
        while time.monotonic() - started < SECONDS:
            time.sleep(SAMPLE_SECONDS)
            rows.append(sample(url, processes, started))
            print_row(rows[-1])
        load.stopping.set()
        for thread in threads:
            thread.join()
        summarize(rows, load, time.monotonic() - started)
    finally:
        load.stopping.set()
        for process in (consumer, web):
            process.terminate()
            process.wait(30)
        local_server.stop(data)


def summarize(rows: list[dict], load: Load, elapsed: float) -> None:
    """The goals' figures."""
    deepest = max(row["depth"] for row in rows)
    print(f"requests sent: {load.sent} in {elapsed:.0f} s; errors by status: {load.errors or 'none'}; "
          f"dead letters: {rows[-1]['dead_letters']}")
    print(f"deepest queue: {deepest} messages = {deepest / RATE:.2f} s of work at {RATE:.0f}/s (goal <= 1 s)")
    first, last = rows[0], rows[-1]
    print(f"queue table with indexes: {first['queue_bytes'] / 2**20:.2f} MB -> {last['queue_bytes'] / 2**20:.2f} MB; "
          f"home_timeline: {first['timeline_bytes'] / 2**20:.1f} MB -> {last['timeline_bytes'] / 2**20:.1f} MB "
          f"({last['timeline_rows']} rows, at most {WRITERS} x 800)")
    tweets = last["tweets_counted"] - first["tweets_counted"]
    print(f"CPU per tweet (its POST, its events, its fan-out to {FOLLOWS} followers; the timeline reads "
          f"beside): " + ", ".join(f"{name} {(last[f'{name}_cpu'] - first[f'{name}_cpu']) * 1000 / tweets:.2f} ms"
                                  for name in ("web", "consumer", "postgres")))
    print("memory (unique set), second sample -> last (MB): " + ", ".join(
        f"{name} {rows[1][f'{name}_mb']:.0f} -> {last[f'{name}_mb']:.0f}" for name in ("web", "consumer", "postgres")))


def main() -> None:
    """`python -m bench.soak`."""
    root = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
