"""Discovery latency at two sizes, side by side: search, hashtag timelines, thread context, people
search, and what the viewer flags add to the home timeline.

On an embedded server of its own (durable defaults), two databases are migrated and loaded alike
except for their size: DISCOVERY_BENCH_SMALL tweets (10,000) and DISCOVERY_BENCH_LARGE (1,000,000)
by 1,000 and 100,000 authors, loaded past the triggers as bench.dataset does, with what the consumer
would have written beside them (tweet_hashtags, counters). Every tweet's words are chosen so that
each query's selectivity is the same at both sizes:

- a rare word, in 0.1 % of tweets ("zephyr"), two common words, in 20 % and 25 % of tweets and
  together in 5 % ("garden sunny"), and a common word with the rare one (0.02 %, "garden zephyr"),
  with a thousand filler words around them;
- a rare hashtag, on 0.1 % of tweets (#tag7), and a popular one, on 10 % (#popular);
- a thread of 10,000 direct replies (context of its root) and a chain 1,000 replies deep (context
  of its last reply), the same in both databases;
- people by a username prefix ("user12") and by a fragment inside names ("999").

Each query is the one the endpoint runs (chirp/sql/api/discovery), as `authenticated` in a
transaction that sets the caller as the API does, with the API's page size (20, one more fetched).
The rounds alternate between the sizes and the queries, so other load on the machine hits all
alike; p50 and p99 in ms, DISCOVERY_BENCH_ROUNDS (200) each.

The viewer flags: the first page of a home timeline (a reader following 50 authors, written ahead,
who liked, reposted and bookmarked thousands of tweets, some of them on that page), its query read
through public.tweet_cards, through a copy of it whose flags are constants
(bench_cards_without_flags) and through the projection as it was before this issue (no flags, no
quoted tweet, no reply and repost counts: bench_cards_before), both views created here for the
comparison only. Measured from the client (p50, p99, psycopg included) and inside the server (the
median of EXPLAIN ANALYZE's execution time, which the machine's other load disturbs less). Then
GET /timeline itself through a real gunicorn (one worker, one keep-alive client) at the large
size, public.tweet_cards in turns as it is and replaced by the copy with constant flags.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from api.caller.database import SET_CALLER
from api.discovery import search
from api.discovery.context import ANCESTORS_LIMIT, DESCENDANTS_LIMIT
from api.http.pages import FIRST_PAGE_BEFORE, PageRequest
from api.sign_in.test_tokens import access_token
from bench import load as web_load
from bench.discovery_dataset import CARDS_WITHOUT_FLAGS, load
from chirp import local_server as embedded
from chirp.queries import QUERIES

SMALL = int(os.environ.get("DISCOVERY_BENCH_SMALL", "10000"))
LARGE = int(os.environ.get("DISCOVERY_BENCH_LARGE", "1000000"))
ROUNDS = int(os.environ.get("DISCOVERY_BENCH_ROUNDS", "200"))
PAGE_SIZE = 20
# GET /timeline's query through each projection compared.
PROJECTIONS = {"timeline, flags": "public.tweet_cards", "timeline, no flags": "public.bench_cards_without_flags",
               "timeline, before": "public.bench_cards_before"}
SERVER_ROUNDS = 100
# GET /timeline end to end (one gunicorn worker, one keep-alive client): the view with its flags,
# then replaced by the same columns with constant flags, in turns; requests per turn, and turns
# (short turns, many of them, so that the machine's other load falls on both alike), and the
# requests after each swap left out (the first plans the query again).
ENDPOINT_REQUESTS = 30
ENDPOINT_TURNS = int(os.environ.get("DISCOVERY_BENCH_ENDPOINT_TURNS", "60"))
ENDPOINT_WARMUP = 5
FLAGLESS_TWEET_CARDS = "create or replace view public.tweet_cards with (security_invoker = true) as " \
    + CARDS_WITHOUT_FLAGS


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the embedded server."""
    return make_conninfo(**{**conninfo_to_dict(server_url), "dbname": name})


def queries(ids: dict) -> dict[str, tuple[str, dict]]:
    """Each measured query and its parameters, as the endpoints pass them."""
    first = {"limit": PAGE_SIZE + 1, "before_created_at": FIRST_PAGE_BEFORE[0], "before_id": FIRST_PAGE_BEFORE[1]}
    return {
        "search: rare word (0.1 %)": ("search_tweets_page", {**first, "q": "zephyr"}),
        "search: two common words": ("search_tweets_page", {**first, "q": "garden sunny"}),
        "search: common, rare words": ("search_tweets_page", {**first, "q": "garden zephyr"}),
        "hashtag: rare tag (0.1 %)": ("hashtag_tweets_page", {**first, "tag": "tag7"}),
        "hashtag: popular tag (10 %)": ("hashtag_tweets_page", {**first, "tag": "popular"}),
        "context: 10,000 replies": ("tweet_descendants", {"tweet_id": ids["root"], "limit": DESCENDANTS_LIMIT}),
        "context: 1,000 deep": ("tweet_ancestors", {"tweet_id": ids["deepest"], "limit": ANCESTORS_LIMIT}),
        "people: username prefix": ("people", {"q": "user12"}),
        "people: contained": ("people", {"q": "999"}),
    }


def timed(connection: psycopg.Connection, reader: str, run) -> float:
    """Milliseconds of one read as the reader, in its own transaction as the API does."""
    started = time.perf_counter()
    with connection.transaction():
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": reader, "role": "authenticated"}),
                                        "5000"))
        run(connection)
    return (time.perf_counter() - started) * 1000


def read(connection: psycopg.Connection, query: str, parameters: dict) -> list[dict]:
    """Run a measured query as its endpoint does (search unprepared: planned for its words; people
    rank by rank, then their profiles)."""
    if query == "search_tweets_page":
        return search.matching_tweets(connection, parameters["q"], parameters)
    if query == "people":
        found = search.matching_people(connection, parameters["q"], search.FIRST_USERS_POSITION, PAGE_SIZE + 1)
        return connection.execute(QUERIES["profiles_by_ids"], {"ids": [profile_id for _, profile_id in found]}
                                  ).fetchall()
    return connection.execute(QUERIES[query], parameters).fetchall()


def timeline_text(projection: str) -> str:
    """GET /timeline's first-page query (written ahead) read through `projection` instead of tweet_cards."""
    return QUERIES["home_timeline_page"].replace("public.tweet_cards", projection)


def timeline_page(projection: str, reader: str):
    """One first page of the reader's home timeline through `projection`."""
    parameters = {**PageRequest("timeline", "", PAGE_SIZE, *FIRST_PAGE_BEFORE).parameters(), "user_id": reader}
    text = timeline_text(projection)

    def run(connection):
        rows = connection.execute(text, parameters).fetchall()
        assert len(rows) == PAGE_SIZE + 1, len(rows)
    return run


def server_milliseconds(url: str, reader: str) -> dict[str, float]:
    """The median execution time inside the server of the timeline query through each projection."""
    parameters = {**PageRequest("timeline", "", PAGE_SIZE, *FIRST_PAGE_BEFORE).parameters(), "user_id": reader}
    times: dict[str, list[float]] = {name: [] for name in PROJECTIONS}
    with psycopg.connect(url, autocommit=True) as connection:
        for _ in range(SERVER_ROUNDS):
            for name, projection in PROJECTIONS.items():
                with connection.transaction():
                    connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": reader, "role": "authenticated"}),
                                                    "5000"))
                    plan = connection.execute(b"explain (analyze, format json) " + timeline_text(projection).encode(),
                                              parameters).fetchone()[0]
                times[name].append(plan[0]["Execution Time"])
    return {name: statistics.median(values) for name, values in times.items()}


def endpoint_timeline(url: str, reader: str, log_path: Path) -> dict[str, tuple[float, float]]:
    """p50 and p99 of GET /timeline through a real gunicorn, with public.tweet_cards as it is and with
    it replaced by a copy whose flags are constants, in turns (the view is restored at the end)."""
    with psycopg.connect(url, autocommit=True) as owner:
        with_flags = ("create or replace view public.tweet_cards with (security_invoker = true) as "
                      + owner.execute("select pg_get_viewdef('public.tweet_cards')").fetchone()[0])
        port = web_load.free_port()
        # One connection: a swap makes every pooled connection plan the query again at its next use,
        # and with the pool's eight taken in turn those plannings fell among the measured requests
        # (a tail of one request in four, larger for the larger view); with one, in the warm-up.
        master = web_load.start_gunicorn(url, port, log_path, workers=1, WEB_THREADS="1")
        client = web_load.KeepAliveClient(port, "GET", "/timeline", None,
                                      {"Authorization": f"Bearer {access_token(web_load.JWT_SECRET, reader)}"})
        timings: dict[str, list[float]] = {"GET /timeline, flags": [], "GET /timeline, no flags": []}
        try:
            for _ in range(ENDPOINT_TURNS):
                for name, definition in zip(timings, (with_flags, FLAGLESS_TWEET_CARDS)):
                    owner.execute(definition)
                    for number in range(ENDPOINT_WARMUP + ENDPOINT_REQUESTS):
                        started = time.perf_counter()
                        assert client.send() == 200
                        if number >= ENDPOINT_WARMUP:
                            timings[name].append((time.perf_counter() - started) * 1000)
        finally:
            owner.execute(with_flags)
            client.close()
            master.terminate()
            master.wait(30)
    return {name: percentiles(values) for name, values in timings.items()}


def measure(urls: dict[int, str], loaded: dict[int, dict]) -> dict[str, dict[int, tuple[float, float]]]:
    """p50 and p99 of every query at every size, the sizes and queries taking turns each round."""
    timings: dict[str, dict[int, list[float]]] = {}
    connections = {size: psycopg.connect(url, row_factory=dict_row, autocommit=True) for size, url in urls.items()}
    try:
        for _ in range(ROUNDS):
            for size, connection in connections.items():
                ids = loaded[size]
                for name, (query, parameters) in queries(ids).items():
                    milliseconds = timed(connection, ids["reader"], lambda c, q=query, p=parameters: read(c, q, p))
                    timings.setdefault(name, {}).setdefault(size, []).append(milliseconds)
                for name, projection in PROJECTIONS.items():
                    milliseconds = timed(connection, ids["reader"], timeline_page(projection, ids["reader"]))
                    timings.setdefault(name, {}).setdefault(size, []).append(milliseconds)
    finally:
        for connection in connections.values():
            connection.close()
    return {name: {size: percentiles(values) for size, values in by_size.items()} for name, by_size in timings.items()}


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p99) of `values`."""
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def plans(url: str, ids: dict) -> list[str]:
    """EXPLAIN ANALYZE of the search and hashtag queries at a size: the lines naming scans and the time."""
    lines = []
    with psycopg.connect(url) as connection:
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": ids["reader"], "role": "authenticated"}),
                                        "5000"))
        for name, (query, parameters) in queries(ids).items():
            if not name.startswith(("search", "hashtag")):
                continue
            explained = connection.execute(b"explain (analyze, costs off) " + QUERIES[query].encode(),
                                           parameters).fetchall()
            lines.append(f"{name}:")
            lines += [f"    {row[0].strip()}" for row in explained
                      if "Scan" in row[0] or "Execution Time" in row[0]]
    return lines


def report(results: dict[str, dict[int, tuple[float, float]]], server: dict[int, dict[str, float]]) -> None:
    """The table: each query at both sizes and the ratio of their p99, then the flags' share."""
    print(f"{'query':<30}{f'{SMALL:,} p50':>12}{'p99':>8}{f'{LARGE:,} p50':>15}{'p99':>8}{'p99 ratio':>11}")
    for name, by_size in results.items():
        (small_p50, small_p99), (large_p50, large_p99) = by_size[SMALL], by_size[LARGE]
        print(f"{name:<30}{small_p50:>12.2f}{small_p99:>8.2f}{large_p50:>15.2f}{large_p99:>8.2f}"
              f"{large_p99 / small_p99:>11.2f}", flush=True)
    for size in (SMALL, LARGE):
        flags, no_flags, before = (results[name][size] for name in PROJECTIONS)
        print(f"viewer flags at {size:,} tweets, GET /timeline's query: p50 {flags[0]:.2f} ms with them, "
              f"{no_flags[0]:.2f} without (+{(flags[0] / no_flags[0] - 1) * 100:.0f} %), p99 {flags[1]:.2f} against "
              f"{no_flags[1]:.2f} (+{(flags[1] / no_flags[1] - 1) * 100:.0f} %), goal <= 10 %; the projection before "
              f"this issue: p50 {before[0]:.2f}, p99 {before[1]:.2f}", flush=True)
        with_flags, without, old = (server[size][name] for name in PROJECTIONS)
        print(f"  inside the server (median execution): {with_flags:.3f} ms with flags, {without:.3f} without "
              f"(+{(with_flags / without - 1) * 100:.0f} %), {old:.3f} with the projection before this issue", flush=True)



def run(root: Path) -> None:
    """Load both sizes, measure them side by side, print the table and the large size's plans."""
    server_url = embedded.server(root / "data").get_uri()
    try:
        urls = {}
        with psycopg.connect(server_url, autocommit=True) as connection:
            for size in (SMALL, LARGE):
                connection.execute(sql.SQL("create database {}").format(sql.Identifier(f"discovery_{size}")))
                urls[size] = database_url(server_url, f"discovery_{size}")
        loaded = {size: load(url, size) for size, url in urls.items()}
        results = measure(urls, loaded)
        report(results, {size: server_milliseconds(url, loaded[size]["reader"]) for size, url in urls.items()})
        endpoint = endpoint_timeline(urls[LARGE], loaded[LARGE]["reader"], root / "gunicorn.log")
        (flags_p50, flags_p99), (none_p50, none_p99) = endpoint.values()
        print(f"GET /timeline at {LARGE:,} tweets (gunicorn, 1 worker): p50 {flags_p50:.2f} ms with flags, "
              f"{none_p50:.2f} without (+{(flags_p50 / none_p50 - 1) * 100:.0f} %); p99 {flags_p99:.2f} against "
              f"{none_p99:.2f} (+{(flags_p99 / none_p99 - 1) * 100:.0f} %), goal <= 10 %", flush=True)
        print(f"plans at {LARGE:,} tweets:\n  " + "\n  ".join(plans(urls[LARGE], loaded[LARGE])), flush=True)
    finally:
        embedded.stop(root / "data")


def main() -> None:
    """`python -m bench discovery_bench`."""
    root = Path(tempfile.mkdtemp(prefix="discoverybench-"))
    try:
        run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
