"""Home timeline latency by followees and by tweets: the timeline written ahead beside the old merge.

On an embedded server of its own (durable defaults), as in api_bench: authors and tweets are
bulk-loaded (triggers skipped), then each reader's home timeline is written ahead as the consumer
leaves it after fan-out and trim: the newest `kept_entries` (800) entries of its followees' tweets,
and the horizon at the oldest kept one. Each reader then reads its first page (20 tweets) as
`authenticated`, in a transaction that sets the caller as the API does, through `api.resources.home_timeline.rows`
(written ahead: the horizon lookup and one page query) and through the merge query `timeline_page`
that GET /timeline ran before, alternating, TIMELINE_BENCH_ROUNDS times each; p50 and p99 in ms.
A page past the kept window (the merge's job) is measured too.

Sets: 200,000 tweets by 5,000 authors, readers following 50 and 5,000 of them; 1,000,000 tweets by
10,000 authors, readers following 50 and 10,000. TIMELINE_BENCH_SCALE (default 1) divides the
tweet counts for a quick run.

With each set, what blocks and mutes cost (bench/guarded_readers.py): GET /timeline and GET /tweets
for a reader who blocks 1,000 users and mutes 1,000 beside one who blocks nobody, and the p99
ratio; at the end, the block of a user with 100,000 followers and tweets (its time, its locks, the
longest concurrent write).

Then the consumer's side: the time to drain a batch of 100 tweet.created events by ordinary
authors, and with one of them by an author with 10,000 followers (the most that is fanned out) or
100,000 (pulled, not fanned out), each the median of FAN_OUT_ROUNDS drains (`Worker.run(drain=True)`,
connection set-up included).
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
from psycopg.rows import dict_row

from api.caller.database import SET_CALLER
from api.http.pages import FIRST_PAGE_BEFORE, PageRequest
from api.resources import home_timeline
from bench import guarded_readers
from bench.dataset import BULK_TWEETS, create_users, write_ahead
from chirp import local_server
from chirp.migrator import migrate
from chirp.queries import QUERIES
from chirp.settings import Settings
from consumer.worker import Worker

ROUNDS = int(os.environ.get("TIMELINE_BENCH_ROUNDS", "300"))
SCALE = int(os.environ.get("TIMELINE_BENCH_SCALE", "1"))
PAGE_SIZE = 20
# (tweets, authors, followees of each reader)
SETS = ((200_000, 5_000, (50, 5_000)), (1_000_000, 10_000, (50, 10_000)))

FOLLOW = """
insert into public.follows (follower_id, followee_id)
select %(reader)s, author from unnest(%(authors)s::uuid[]) as author
"""
# What the consumer's fan-out and trim leave: the newest kept_entries of the followees' tweets.



# Followers of the two popular authors whose posts the fan-out measurement times.
FANNED_OUT_FOLLOWERS = 10_000
PULLED_FOLLOWERS = 100_000 // SCALE
ORDINARY_TWEETS_PER_BATCH = 99
FAN_OUT_ROUNDS = 5
# The user blocked in guarded_readers.block_cost: this many followers and tweets.
POPULAR_BLOCKED_FOLLOWERS = 100_000 // SCALE
POPULAR = """
with followed as (
  insert into public.follows (follower_id, followee_id)
  select follower, %(author)s from unnest(%(followers)s::uuid[]) as follower
  returning 1
)
insert into public.profile_counters (user_id, follower_count)
select %(author)s, count(*) from followed
"""
POST = "insert into public.tweets (user_id, content) select unnest(%(authors)s::uuid[]), 'fan-out #bench'"


def load(url: str, tweets: int, author_count: int, followees: tuple[int, ...]) -> dict[int, str]:
    """Authors, their tweets and one reader per followee count, written ahead; returns readers by followees."""
    with psycopg.connect(url) as connection:
        authors = create_users(connection, author_count, f"a{author_count}_")
        readers = dict(zip(followees, create_users(connection, len(followees), f"r{author_count}_")))
        for count, reader in readers.items():
            connection.execute(FOLLOW, {"reader": reader, "authors": authors[:count]})
        connection.execute("set local session_replication_role = replica")
        connection.execute(BULK_TWEETS, {"authors": authors, "first": 1, "last": tweets})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.tweets, public.follows")
    write_ahead(url, list(readers.values()))
    return readers


def read_page(connection: psycopg.Connection, reader: str, request: PageRequest, merge: bool) -> float:
    """One page read as the reader, in its own transaction as the API does; returns milliseconds."""
    started = time.perf_counter()
    with connection.transaction():
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": reader, "role": "authenticated"}),
                                        "5000"))
        if merge:
            rows = connection.execute(QUERIES["timeline_page"],
                                      {**request.parameters(), "user_id": reader}).fetchall()
        else:
            rows = home_timeline.rows(connection, reader, request)
    assert len(rows) == request.limit + 1, len(rows)
    return (time.perf_counter() - started) * 1000


def past_window(connection: psycopg.Connection, reader: str) -> PageRequest | None:
    """A page request whose cursor is the reader's horizon (all of it from the merge); None without one."""
    row = connection.execute("select created_at, tweet_id from public.home_timeline_horizons "
                             "where user_id = %s", (reader,)).fetchone()
    return None if row is None else PageRequest("timeline", "", PAGE_SIZE, row["created_at"], row["tweet_id"])


def measure(url: str, readers: dict[int, str]) -> dict[int, dict[str, tuple[float, float]]]:
    """p50 and p99 of each reader's first page written ahead and merged, and of a page past the
    window; the readers and queries take turns in every round, so other load hits all alike."""
    first = PageRequest("timeline", "", PAGE_SIZE, *FIRST_PAGE_BEFORE)
    timings = {count: {"written ahead": [], "merge": [], "past the window": []} for count in readers}
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as connection:
        older = {count: past_window(connection, reader) for count, reader in readers.items()}
        for _ in range(ROUNDS):
            for count, reader in readers.items():
                timings[count]["written ahead"].append(read_page(connection, reader, first, merge=False))
                timings[count]["merge"].append(read_page(connection, reader, first, merge=True))
                if older[count] is not None:
                    timings[count]["past the window"].append(
                        read_page(connection, reader, older[count], merge=False))
    return {count: {name: percentiles(values) for name, values in by_query.items() if values}
            for count, by_query in timings.items()}


def plan(url: str, reader: str) -> list[str]:
    """EXPLAIN ANALYZE of the written-ahead page query as the reader: the lines naming scans."""
    first = PageRequest("timeline", "", PAGE_SIZE, *FIRST_PAGE_BEFORE)
    with psycopg.connect(url) as connection:
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": reader, "role": "authenticated"}),
                                        "5000"))
        lines = connection.execute(b"explain (analyze, costs off) " + QUERIES["home_timeline_page"].encode(),
                                   {**first.parameters(), "user_id": reader}).fetchall()
    return [line[0].strip() for line in lines if "Scan" in line[0] or "Execution Time" in line[0]]


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p99) of `values`."""
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def fan_out_costs(url: str) -> dict[str, float]:
    """Milliseconds the consumer takes for a batch of 100 tweet.created: ordinary authors only, and with
    one tweet by an author with 10,000 followers (fanned out), or 100,000 (pulled: not fanned out)."""
    with psycopg.connect(url) as connection:
        followers = create_users(connection, PULLED_FOLLOWERS, "fol")
        ordinary = create_users(connection, ORDINARY_TWEETS_PER_BATCH, "ord")
        fanned, pulled = create_users(connection, 2, "popular")
        connection.execute("set local session_replication_role = replica")
        connection.execute(POPULAR, {"author": fanned, "followers": followers[:FANNED_OUT_FOLLOWERS]})
        connection.execute(POPULAR, {"author": pulled, "followers": followers})
        connection.execute("insert into public.timeline_pulled_authors (author_id) values (%s)", (pulled,))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.follows, public.profile_counters")
    settings = Settings.from_environment({"DATABASE_URL": url})
    Worker(settings).run(drain=True)  # warm up: what the loads left, if anything
    costs = {}
    for name, extra in (("warm-up", [ordinary[0]]), ("100 ordinary", [ordinary[0]]), ("99 + 10,000 followers", [fanned]),
                        (f"99 + {PULLED_FOLLOWERS:,} followers (pulled)", [pulled])):
        timings = []
        for _ in range(FAN_OUT_ROUNDS):
            with psycopg.connect(url) as connection:
                connection.execute(POST, {"authors": ordinary + extra})
            started = time.perf_counter()
            Worker(settings).run(drain=True)
            timings.append((time.perf_counter() - started) * 1000)
        costs[name] = statistics.median(timings)
    del costs["warm-up"]
    return costs


def run(root: Path) -> None:
    """Load each set, measure each reader, print the table and the goals' ratios."""
    url = local_server.server(root / "data").get_uri()
    migrate(url)
    try:
        print(f"{'tweets':>10}{'followees':>10}  {'query':<18}{'p50 ms':>9}{'p99 ms':>9}", flush=True)
        for tweets, author_count, followees in SETS:
            tweets //= SCALE
            started = time.monotonic()
            readers = load(url, tweets, author_count, followees)
            print(f"(loaded {tweets:,} tweets in {time.monotonic() - started:.0f} s)", flush=True)
            results = measure(url, readers)
            for count, result in results.items():
                for name, (p50, p99) in result.items():
                    print(f"{tweets:>10,}{count:>10,}  {name:<18}{p50:>9.2f}{p99:>9.2f}", flush=True)
            few, many = followees
            ratio = results[many]["written ahead"][1] / results[few]["written ahead"][1]
            merge_ratio = results[many]["merge"][1] / results[few]["merge"][1]
            print(f"p99 {many:,} / {few} followees at {tweets:,} tweets: written ahead {ratio:.2f} "
                  f"(goal <= 1.5), merge {merge_ratio:.2f}", flush=True)
            print(f"plan of the written-ahead page, {many:,} followees:\n  "
                  + "\n  ".join(plan(url, readers[many])), flush=True)
            guarded = guarded_readers.load(url, readers[few], tweets, f"g{author_count}_")
            guarded_readers.report(guarded_readers.measure(url, guarded, guarded_readers.ROUNDS), tweets)
        guarded_readers.block_cost(url, POPULAR_BLOCKED_FOLLOWERS)
        for name, milliseconds in fan_out_costs(url).items():
            print(f"consumer batch of tweet.created, {name}: {milliseconds:.0f} ms (median of "
                  f"{FAN_OUT_ROUNDS})", flush=True)
    finally:
        local_server.stop(root / "data")


def main() -> None:
    """`python -m bench timeline_bench`."""
    root = Path(tempfile.mkdtemp(prefix="timelinebench-"))
    try:
        run(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
