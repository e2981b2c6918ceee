"""The real web process: gunicorn with the Procfile's command, the token script, request logs,
metrics across workers, a database outage and recovery, reads served by a streaming replica."""

from __future__ import annotations

import collections
import concurrent.futures
import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import time

import jwt
import psutil
import psycopg
import pytest
import requests

from tests.api import throwaway_postgres
from tests.api.conftest import bearer, make_token, settings_for
from tests.helpers.fixtures import create_user
from tests.helpers.web import REPOSITORY, TEST_JWT_SECRET, requests_over_all_workers, wait_until

# A request to a dead database must fail well within this (the pool waits at most 1 s).
FAST_FAILURE_SECONDS = 3.0
RECOVERY_DEADLINE_SECONDS = 30.0
# api.server.gunicorn_config's `keepalive` (importing that module would monkey-patch this process).
KEEPALIVE_SECONDS = 2


def run_token_command(database_url: str, username: str) -> str:
    environment = {**os.environ, "DATABASE_URL": database_url, "SUPABASE_JWT_SECRET": TEST_JWT_SECRET}
    result = subprocess.run([sys.executable, "-m", "api.token", username], cwd=REPOSITORY, env=environment,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def test_walkthrough_with_the_token_script_through_gunicorn(web, database_url, postgresql):
    token = run_token_command(database_url, "walker")
    assert run_token_command(database_url, "WALKER") != "" and postgresql.execute(
        "select count(*) from public.profiles where lower(username) = 'walker'").fetchone()[0] == 1
    created = requests.post(web.url("/tweet"), json={"content": "Hello from curl"}, headers={
        **bearer(token), "X-Request-Id": "walkthrough-1"}, timeout=10)
    assert created.status_code == 201 and created.headers["X-Request-Id"] == "walkthrough-1"
    assert requests.get(web.url(created.headers["Location"]), timeout=10).json()["author"]["username"] == "walker"
    # The worker's log thread writes the line a moment after the response has gone.
    logged = wait_until(lambda: [json.loads(line) for line in web.log().splitlines() if "walkthrough-1" in line],
                        10, "the request's log line")
    assert len(logged) == 1 and logged[0]["status"] == 201 and logged[0]["route"] == "/tweet"


def test_every_answered_request_is_logged_also_while_gunicorn_stops(web):
    answered = []

    def keep_asking(client_number: int) -> None:
        """Ask until the server stops answering; keep the request ids it answered."""
        with requests.Session() as session:
            for number in itertools.count():
                request_id = f"stopping-{client_number}-{number}"
                try:
                    response = session.get(web.url("/healthz"), headers={"X-Request-Id": request_id}, timeout=10)
                except requests.RequestException:
                    return
                if response.status_code == 200:
                    answered.append(request_id)

    clients = [threading.Thread(target=keep_asking, args=(number,)) for number in range(8)]
    for client in clients:
        client.start()
    wait_until(lambda: len(answered) >= 200, 30, "200 answered requests")
    web.stop()  # SIGTERM while the clients still ask: the last lines are written during the stop
    for client in clients:
        client.join(30)
    logged = {json.loads(line)["request_id"] for line in web.log().splitlines() if '"stopping-' in line}
    assert len(answered) >= 200 and set(answered) <= logged, set(answered) - logged


def test_the_token_script_refuses_a_bad_username(database_url):
    result = subprocess.run([sys.executable, "-m", "api.token", "no way"], cwd=REPOSITORY, capture_output=True,
                            env={**os.environ, "DATABASE_URL": database_url, "SUPABASE_JWT_SECRET": "x"},
                            text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.strip().endswith("digits and _, not ' '")


def metric_value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{key}="{value}"' in line for key, value in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_add_up_both_workers_and_show_the_queue_depth(web_factory, database_url, alice):
    server = web_factory(database_url, workers=2)
    # The fixture's own start-up probes of /healthz count too: measure from here.
    before = requests.get(server.url("/metrics"), timeout=10).text
    statuses = requests_over_all_workers(server, "/healthz", workers=2, batch=20)
    assert set(statuses) == {200}
    for number in range(3):
        requests.post(server.url("/tweets"), json={"content": f"#{number}"}, headers=bearer(make_token(alice)),
                      timeout=10).raise_for_status()
    text = requests.get(server.url("/metrics"), timeout=10).text
    healthz_count = metric_value(text, "http_requests_total", route="/healthz", status="200")
    assert healthz_count - metric_value(before, "http_requests_total", route="/healthz", status="200") == len(statuses)
    assert metric_value(text, "http_requests_total", route="/tweets", method="POST", status="201") == 3
    assert metric_value(text, "http_request_duration_seconds_count", route="/healthz") == healthz_count
    # No consumer runs in this test: the three tweet.created events wait in the queue. The depth is
    # cached for a few seconds per worker, so the first scrape may still say 0.
    wait_until(lambda: metric_value(requests.get(server.url("/metrics"), timeout=10).text,
                                    "events_queue_depth") == 3, 15, "the queue depth to show 3")


@pytest.fixture
def own_primary():
    server = throwaway_postgres.create_primary()
    yield server
    throwaway_postgres.destroy(server)


def timed_get(url: str, headers=None) -> tuple[int, float]:
    started = time.monotonic()
    response = requests.get(url, headers=headers, timeout=30)
    return response.status_code, time.monotonic() - started


def test_a_database_outage_gives_fast_503s_and_recovers_by_itself(web_factory, own_primary):
    with psycopg.connect(own_primary.url) as connection:
        headers = bearer(make_token(create_user(connection, "alice")))
    server = web_factory(own_primary.url)
    assert requests.post(server.url("/tweets"), json={"content": "before"}, headers=headers, timeout=10).ok
    own_primary.stop()
    for path in ("/tweets", "/readyz", "/tweets", "/timeline"):
        status, elapsed = timed_get(server.url(path), headers)
        assert status == 503 and elapsed < FAST_FAILURE_SECONDS, (path, status, elapsed)
    # Writes too: the limits, kept in the same database, cannot be counted, so the write answers 503.
    for method, path, body in (("POST", "/tweets", {"content": "during"}), ("PUT", "/me", {"username": "alice"})):
        started = time.monotonic()
        response = requests.request(method, server.url(path), json=body, headers=headers, timeout=30)
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and elapsed < FAST_FAILURE_SECONDS, (path, response.status_code, elapsed)
    assert requests.get(server.url("/healthz"), timeout=10).status_code == 200
    own_primary.start()
    wait_until(lambda: requests.get(server.url("/readyz"), timeout=10).status_code == 200,
               RECOVERY_DEADLINE_SECONDS, "/readyz to recover")
    wait_until(lambda: requests.get(server.url("/tweets"), timeout=10).status_code == 200,
               RECOVERY_DEADLINE_SECONDS, "/tweets to recover")
    assert [t["content"] for t in requests.get(server.url("/tweets"), timeout=10).json()["data"]] == ["before"]


def test_reads_are_served_by_a_streaming_replica(app_factory, own_primary):
    replica = own_primary.replica()
    try:
        with psycopg.connect(replica.url, autocommit=True) as connection:
            assert connection.execute("select pg_is_in_recovery()").fetchone()[0]
        with psycopg.connect(own_primary.url) as connection:
            headers = bearer(make_token(create_user(connection, "alice")))
        settings = settings_for(own_primary.url, database_read_url=replica.url)
        client = app_factory(settings).test_client()
        wait_until(lambda: client.get("/users/alice").status_code == 200, RECOVERY_DEADLINE_SECONDS,
                   "the replica to replay the new user")
        with psycopg.connect(replica.url, autocommit=True) as connection:
            connection.execute("select pg_wal_replay_pause()")
            # Pausing is only requested here; replay may apply a few more records before it stops.
            wait_until(lambda: connection.execute("select pg_get_wal_replay_pause_state()").fetchone()[0]
                       == "paused", RECOVERY_DEADLINE_SECONDS, "replay to pause")
            tweet = client.post("/tweets", json={"content": "written"}, headers=headers)
            assert tweet.status_code == 201
            # Written on the primary, not yet replayed: a read that went to the primary would find it.
            assert client.get(f"/tweets/{tweet.json['id']}").status_code == 404
            assert client.get("/tweets").json["data"] == []
            connection.execute("select pg_wal_replay_resume()")
        wait_until(lambda: client.get(f"/tweets/{tweet.json['id']}").status_code == 200,
                   RECOVERY_DEADLINE_SECONDS, "the replica to replay the tweet")
    finally:
        throwaway_postgres.destroy(replica)


def test_a_chunked_body_over_64_kib_is_413_through_gunicorn(web, alice):
    """Without Content-Length, Werkzeug cuts the body at the limit; the API must still say 413."""
    def chunks():
        yield b'{"content": "x", "padding": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    host, port = web.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", "/tweets", body=chunks(), encode_chunked=True, headers={
        **bearer(make_token(alice)), "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 413 and response.getheader("Content-Type") == "application/problem+json"
    connection.close()


def test_the_token_script_reads_the_secret_from_dot_env(database_url, tmp_path, postgresql):
    (tmp_path / ".env").write_text("SUPABASE_JWT_SECRET=secret-from-the-dot-env-file-0123456789\n")
    environment = {name: value for name, value in os.environ.items() if name != "SUPABASE_JWT_SECRET"}
    result = subprocess.run([sys.executable, "-m", "api.token", "dotenv_user"], cwd=tmp_path, capture_output=True,
                            env={**environment, "DATABASE_URL": database_url, "PYTHONPATH": str(REPOSITORY)},
                            text=True, timeout=60, check=True)
    claims = jwt.decode(result.stdout.strip(), "secret-from-the-dot-env-file-0123456789",
                        algorithms=["HS256"], audience="authenticated")
    profile = postgresql.execute("select id from public.profiles where username = 'dotenv_user'").fetchone()
    assert claims["sub"] == str(profile[0]) and claims["role"] == "authenticated" and claims["exp"] > time.time()


def test_the_web_process_runs_a_worker_per_core_by_default(web_factory, database_url):
    cores = len(os.sched_getaffinity(0))
    server = web_factory(database_url, workers=None)
    requests_over_all_workers(server, "/healthz", workers=cores, batch=8 * cores)
    wait_until(lambda: server.log().count("Booting worker with pid") >= cores, 10, "the workers to boot")
    assert server.log().count("Booting worker with pid") == cores


def test_a_first_request_may_arrive_later_than_keepalive_a_next_one_may_not(web):
    """A new connection's first request has gunicorn's `timeout` (30 s) to arrive, not `keepalive`
    (2 s): under a burst a worker may take longer than that to read a request sent at once, and
    closing it unanswered is what 1,000 concurrent requests on a loaded machine met. An idle
    keep-alive connection is still closed after `keepalive`."""
    host, port = web.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.connect()
    time.sleep(KEEPALIVE_SECONDS + 1.5)  # connected, nothing sent yet
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    assert response.status == 200 and response.read()
    time.sleep(KEEPALIVE_SECONDS + 1.5)  # answered once, idle since
    connection.sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert connection.sock.recv(1024) == b""  # closed by the server


def connections_answered_per_worker(server, count: int, prefix: str, timeout: float = 10) -> tuple[list, dict]:
    """Open `count` connections at once, ask /healthz once on each and keep them open; returns the
    open connections and how many each worker answered (from the request log's pids)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connections = [http.client.HTTPConnection(host, int(port), timeout=timeout) for _ in range(count)]

    def ask(numbered) -> int:
        number, connection = numbered
        connection.request("GET", "/healthz", headers={"X-Request-Id": f"{prefix}-{number}"})
        response = connection.getresponse()
        response.read()
        return response.status

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        statuses = list(pool.map(ask, enumerate(connections)))
    assert statuses == [200] * count

    def answered() -> dict:
        pids = [json.loads(line)["pid"] for line in server.log().splitlines() if f'"{prefix}-' in line]
        return collections.Counter(pids) if len(pids) == count else None

    return connections, wait_until(answered, 10, f"the log lines of {count} requests")


def test_new_connections_go_to_the_worker_that_holds_fewest(web_factory, database_url):
    """Both workers accept from one socket, and the kernel hands a burst of connections to whichever
    runs first: 16 keep-alive connections were seen split 16/0 and 12/4. Each worker now leaves a
    pending connection to one that holds fewer (api.server.balancing)."""
    server = web_factory(database_url, workers=2)
    requests_over_all_workers(server, "/healthz", workers=2, batch=8)  # both have started
    for attempt in range(3):
        connections, per_worker = connections_answered_per_worker(server, 16, f"spread-{attempt}")
        assert len(per_worker) == 2 and max(per_worker.values()) - min(per_worker.values()) <= 2, per_worker
        for connection in connections:
            connection.close()
        time.sleep(0.5)  # the workers see the connections end


def test_a_stopped_worker_does_not_hold_up_new_connections(web_factory, database_url):
    """A worker that steps back for a less busy one takes the connection itself when that one does
    not, within a few tens of milliseconds: here the less busy one is stopped (SIGSTOP)."""
    server = web_factory(database_url, workers=2)
    requests_over_all_workers(server, "/healthz", workers=2, batch=8)  # both have started
    time.sleep(0.5)  # and have seen those connections end
    held, per_worker = connections_answered_per_worker(server, 4, "before")
    assert len(per_worker) == 2
    stopped = psutil.Process(next(iter(per_worker)))
    stopped.suspend()
    try:
        started = time.monotonic()
        more, answered = connections_answered_per_worker(server, 12, "meanwhile", timeout=5)
        assert set(answered) == {pid for pid in per_worker if pid != stopped.pid}
        assert time.monotonic() - started < 5
    finally:
        stopped.resume()
    for connection in held + more:
        connection.close()


def test_a_tweet_naming_no_tweet_is_422_through_gunicorn_every_time(web_factory, database_url, alice):
    """A refused insert is the client's mistake however its error reaches the worker: a pipelined
    transaction once answered about one in twenty of these 503 (the error surfacing as the aborted
    pipeline's, not the foreign key's)."""
    web = web_factory(database_url, RATE_LIMIT_WRITE="1000/minute")
    missing = "f728b4fa-4248-1e3a-8a5d-2f346baa9455"
    with requests.Session() as session:
        statuses = collections.Counter(
            session.post(web.url("/tweets"), json={"content": "0", field: missing}, headers=bearer(make_token(alice)),
                         timeout=10).status_code
            for _ in range(40) for field in ("reply_to_id", "quote_of_id"))
    assert statuses == {422: 80}
