"""Live updates under load, against one gunicorn worker and one consumer on this machine.

In one run, on its own embedded PostgreSQL (durable defaults):
1. REST without streams: GET /healthz and POST /tweets at 16 connections (api_bench's load generator).
2. IDLE_STREAMS user streams opened and held (raw sockets; their users follow nobody who tweets),
   with the worker's resident memory before and after: memory per stream.
3. REST again, with the streams open: p99 with streams / p99 without.
4. Latency at a steady TWEETS_PER_SECOND: AUTHORS authors tweet in turn, each tweet mentioning
   `bob`; FOLLOWER_STREAMS streams follow every author, and bob has one. For each tweet, the time
   from sending POST /tweets (an upper bound of its commit) to its `tweet` event at each follower
   stream and to bob's `notification` event: p50, p99, max.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import httpx_sse
import psutil
import psycopg

from api.token import access_token
from bench import dataset, insert_trigger_bench, load
from chirp import local_server
from chirp.migrator import migrate

IDLE_STREAMS = int(os.environ.get("STREAM_BENCH_IDLE_STREAMS", "5000"))
AUTHORS = 50
FOLLOWER_STREAMS = 4
TWEETS_PER_SECOND = 200
LATENCY_SECONDS = float(os.environ.get("STREAM_BENCH_SECONDS", "15"))
REPOSITORY = Path(__file__).resolve().parent.parent


def prepare(url: str) -> dict[str, list[str]]:
    """Migrate; create the idle readers, the authors, the follower readers (following every author), bob."""
    # The database write limit out of the way: the benchmark posts far more than 30 a minute.
    migrate(url, write_limit=insert_trigger_bench.UNREFUSING_WRITE_LIMIT)
    with psycopg.connect(url) as connection:
        users = {
            "idle": dataset.create_users(connection, IDLE_STREAMS, "idle"),
            "authors": dataset.create_users(connection, AUTHORS, "author"),
            "followers": dataset.create_users(connection, FOLLOWER_STREAMS, "follower"),
            "writers": dataset.create_users(connection, load.CONNECTIONS, "writer"),
        }
        connection.execute("update public.profiles set username = 'bob' where id = %s", (users["idle"][0],))
        users["bob"] = [users["idle"].pop(0)]
        connection.execute(dataset.FOLLOW_ALL, {"readers": users["followers"], "authors": users["authors"]})
    return users


def start_consumer(url: str, log_path: Path) -> subprocess.Popen:
    """`python -m consumer` on `url`."""
    environment = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "consumer"], cwd=REPOSITORY, env=environment,
                            stdout=log_path.open("wb"), stderr=subprocess.STDOUT)


def open_idle_streams(port: int, users: list[str]) -> list[socket.socket]:
    """One held-open GET /stream per user, each checked for its 200; nothing is read after that."""
    sockets = []
    for user in users:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        token = access_token(load.JWT_SECRET, user)
        sock.sendall(f"GET /stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        head = sock.recv(4096)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        sockets.append(sock)
    return sockets


def worker_memory_megabytes(master: subprocess.Popen) -> float:
    """The gunicorn worker's resident memory now."""
    [worker] = psutil.Process(master.pid).children()
    return worker.memory_info().rss / 2**20


def rest(port: int, writers: list[str]) -> dict[str, dict]:
    """GET /healthz and POST /tweets, as api_bench measures them."""
    body = json.dumps({"content": "benchmark tweet"}).encode()
    posts = [(body, {"Authorization": f"Bearer {access_token(load.JWT_SECRET, w)}",
                     "Content-Type": "application/json"}) for w in writers]
    return {"GET /healthz": load.measure(port, "GET", "/healthz", [(None, {})] * load.CONNECTIONS, 200),
            "POST /tweets": load.measure(port, "POST", "/tweets", posts, 201)}


class LatencyListener:
    """A stream in a thread, noting when each awaited event (by tweet id) arrives."""

    def __init__(self, url: str, token: str, event_name: str):
        self.arrivals: dict[str, float] = {}
        self.event_name = event_name
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._listen, args=(url, token), daemon=True)
        self.thread.start()
        self.ready.wait(30)

    def _listen(self, url: str, token: str) -> None:
        """Read until the process ends (the thread is a daemon)."""
        with httpx.Client(timeout=httpx.Timeout(30, read=None)) as client, \
                httpx_sse.connect_sse(client, "GET", url, headers={"Authorization": f"Bearer {token}"}) as source:
            self.ready.set()
            for sse in source.iter_sse():
                if sse.event == self.event_name:
                    data = sse.json()
                    self.arrivals[data["tweet_id"] if "tweet_id" in data else data["id"]] = time.monotonic()


def latency(port: int, users: dict[str, list[str]]) -> dict[str, list[float]]:
    """Tweets at TWEETS_PER_SECOND for LATENCY_SECONDS; milliseconds to each stream's event."""
    url = f"http://127.0.0.1:{port}/stream"
    followers = [LatencyListener(url, access_token(load.JWT_SECRET, f), "tweet") for f in users["followers"]]
    bob = LatencyListener(url, access_token(load.JWT_SECRET, users["bob"][0]), "notification")
    tokens = [access_token(load.JWT_SECRET, author) for author in users["authors"]]
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        start = time.monotonic()
        for number in range(int(TWEETS_PER_SECOND * LATENCY_SECONDS)):
            time.sleep(max(0.0, start + number / TWEETS_PER_SECOND - time.monotonic()))
            sent_at = time.monotonic()
            response = client.post("/tweets", json={"content": f"hello @bob #{number}"},
                                   headers={"Authorization": f"Bearer {tokens[number % len(tokens)]}"})
            sent[response.json()["id"]] = sent_at
            answered[response.json()["id"]] = time.monotonic()
    time.sleep(2)  # the last events' way to the streams
    def milliseconds(listeners, since):
        return [(listener.arrivals[i] - at) * 1000 for listener in listeners for i, at in since.items()
                if i in listener.arrivals]

    tweet_ms, mention_ms = milliseconds(followers, sent), milliseconds([bob], sent)
    missing = len(sent) * len(followers) - len(tweet_ms) + len(sent) - len(mention_ms)
    return {"tweet event": tweet_ms, "notification event": mention_ms, "missing": missing, "sent": len(sent),
            "tweet event after answer": milliseconds(followers, answered),
            "notification event after answer": milliseconds([bob], answered)}


def summary(values: list[float]) -> str:
    """p50, p99 and max of milliseconds."""
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49]:6.1f} ms   p99 {cuts[98]:6.1f} ms   max {max(values):7.1f} ms   (n={len(values)})"


def run(root: Path) -> None:
    """Every phase against one worker and one consumer on a server under `root`."""
    url = local_server.server(root / "data").get_uri()
    users = prepare(url)
    port = load.free_port()
    gunicorn = load.start_gunicorn(url, port, root / "gunicorn.log", workers=1)
    consumer = start_consumer(url, root / "consumer.log")
    try:
        without = rest(port, users["writers"])
        memory_before = worker_memory_megabytes(gunicorn)
        opened_at = time.monotonic()
        streams = open_idle_streams(port, users["idle"])
        open_seconds = time.monotonic() - opened_at
        memory_after = worker_memory_megabytes(gunicorn)
        with_streams = rest(port, users["writers"])
        latencies = latency(port, users)
        held = sum(1 for sock in streams if sock.fileno() >= 0)
    finally:
        consumer.terminate()
        gunicorn.terminate()
        gunicorn.wait(30)
        consumer.wait(30)
        local_server.stop(root / "data")
    print(f"idle streams held by one worker: {held} (opened in {open_seconds:.1f} s)")
    print(f"worker memory: {memory_before:.0f} MB before, {memory_after:.0f} MB with them: "
          f"{(memory_after - memory_before) * 1024 / max(held, 1):.1f} KB per stream")
    for name in without:
        before, after = without[name], with_streams[name]
        print(f"{name:<13} without streams: {before['requests_per_second']:6.0f} req/s p99 {before['p99_ms']:6.1f} ms;"
              f" with: {after['requests_per_second']:6.0f} req/s p99 {after['p99_ms']:6.1f} ms;"
              f" p99 ratio {after['p99_ms'] / before['p99_ms']:.2f} (goal <= 1.5)")
    print(f"at {TWEETS_PER_SECOND} tweets/s for {LATENCY_SECONDS:.0f} s ({latencies['sent']} tweets, "
          f"{FOLLOWER_STREAMS} follower streams, {IDLE_STREAMS} idle; goal p50 <= 20, p99 <= 50, max <= 250 ms):")
    print(f"  POST sent -> follower's tweet event:        {summary(latencies['tweet event'])}")
    print(f"  POST sent -> mentioned user's notification: {summary(latencies['notification event'])}")
    print(f"  POST answered -> follower's tweet event:    {summary(latencies['tweet event after answer'])}")
    print(f"  POST answered -> notification:              {summary(latencies['notification event after answer'])}")
    print(f"  events missing: {latencies['missing']}  (the commit lies between sending and the answer)")


def main() -> None:
    """`python -m bench stream_bench`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per idle stream
    root = Path(tempfile.mkdtemp(prefix="streambench-"))
    try:
        run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
