"""For timeline_bench: what blocks and mutes cost a read, and what a block of a popular user costs.

Readers. Two readers follow the same authors as the benchmark's reader with few followees: one
blocks nobody, the other ("guarded") blocks 1,000 users and mutes 1,000 others. Those 2,000 users
post too, like anyone (two tweets each, spread over the set's time range), so the guarded reader's
pages skip their tweets as a real reader's would. Both read the first page of GET /timeline (as
`api.resources.home_timeline.rows`) and of GET /tweets (`all_tweets_page`) as `authenticated`, as
the API does, taking turns in every round; p50 and p99, and the guarded / plain p99 ratio.

A block. A user with POPULAR_FOLLOWERS followers and as many tweets, followed by and following the
blocker, whose home timeline holds their newest entries: the time of the blocker's INSERT (as
`authenticated`, with its triggers), the locks it holds until commit, and the consumer's time for
the events it caused (block.created and two follow.deleted), while another connection inserts
tweets the whole time: the longest of those inserts says whether other writes paused.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import threading
import time

import psycopg
from psycopg.rows import dict_row

from api.caller.database import SET_CALLER
from api.http.pages import FIRST_PAGE_BEFORE, PageRequest
from api.resources import home_timeline
from bench.dataset import create_users, write_ahead
from chirp.queries import QUERIES
from chirp.settings import Settings
from consumer.worker import Worker

# Rounds of the readers' comparison: p99 needs many on a machine that other work shares.
ROUNDS = int(os.environ.get("TIMELINE_BENCH_GUARDED_ROUNDS", "2000"))
BLOCKED = 1_000
MUTED = 1_000
TWEETS_PER_HIDDEN_USER = 2
PAGE_SIZE = 20
HIDDEN_TWEETS = """
insert into public.tweets (user_id, content, created_at)
select (%(authors)s::uuid[])[1 + n %% cardinality(%(authors)s::uuid[])],
       'a tweet by someone blocked or muted, ' || n,
       now() - interval '1 hour' - interval '1 second' * (n * %(spacing)s) - interval '1 millisecond'
from generate_series(1, %(count)s::bigint) as n
"""
SAME_FOLLOWS = """
insert into public.follows (follower_id, followee_id)
select reader, followee_id from public.follows, unnest(%(readers)s::uuid[]) as reader
where follower_id = %(model)s
"""


def load(url: str, model_reader: str, tweets: int, prefix: str) -> dict[str, str]:
    """The plain and the guarded reader, following what `model_reader` follows, written ahead."""
    with psycopg.connect(url) as connection:
        plain, guarded = create_users(connection, 2, f"{prefix}reader")
        hidden = create_users(connection, BLOCKED + MUTED, f"{prefix}h")
        # Triggers off for the bulk load (no events, no block clean-up: there are no follows to end).
        connection.execute("set local session_replication_role = replica")
        connection.execute(SAME_FOLLOWS, {"readers": [plain, guarded], "model": model_reader})
        count = len(hidden) * TWEETS_PER_HIDDEN_USER
        connection.execute(HIDDEN_TWEETS, {"authors": hidden, "count": count, "spacing": max(tweets // count, 1)})
        connection.execute("insert into public.blocks (blocker_id, blocked_id) select %s, unnest(%s::uuid[])",
                           (guarded, hidden[:BLOCKED]))
        connection.execute("insert into public.mutes (muter_id, muted_id) select %s, unnest(%s::uuid[])",
                           (guarded, hidden[BLOCKED:]))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.tweets, public.follows, public.blocks, public.mutes")
    write_ahead(url, [plain, guarded])
    return {"blocks nobody": plain, "blocks 1,000, mutes 1,000": guarded}


def _read(connection: psycopg.Connection, reader: str, what: str) -> float:
    """The first page of GET /timeline or GET /tweets as the reader, as the API reads it; milliseconds."""
    request = PageRequest(what, "", PAGE_SIZE, *FIRST_PAGE_BEFORE)
    started = time.perf_counter()
    with connection.transaction():
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": reader, "role": "authenticated"}),
                                        "5000"))
        if what == "timeline":
            rows = home_timeline.rows(connection, reader, request)
        else:
            rows = connection.execute(QUERIES["all_tweets_page"], request.parameters()).fetchall()
    assert len(rows) == PAGE_SIZE + 1, len(rows)
    return (time.perf_counter() - started) * 1000


def measure(url: str, readers: dict[str, str], rounds: int) -> dict[tuple[str, str], tuple[float, float]]:
    """(p50, p99) by (reader, endpoint); every round reads each once, in a new random order, so that
    the machine's other load falls on all alike."""
    timings = {(name, what): [] for name in readers for what in ("timeline", "tweets")}
    order = list(timings)
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as connection:
        for _ in range(rounds):
            random.shuffle(order)
            for name, what in order:
                timings[(name, what)].append(_read(connection, readers[name], what))
    return {key: _percentiles(values) for key, values in timings.items()}


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def report(results: dict[tuple[str, str], tuple[float, float]], tweets: int) -> None:
    """Print each reader's figures and the guarded / plain p99 ratios."""
    for (name, what), (p50, p99) in results.items():
        print(f"{tweets:>10,}  GET /{what:<9} reader who {name:<27}{p50:>9.2f}{p99:>9.2f}", flush=True)
    for what in ("timeline", "tweets"):
        ratio = results[("blocks 1,000, mutes 1,000", what)][1] / results[("blocks nobody", what)][1]
        print(f"p99 GET /{what}, blocks 1,000 and mutes 1,000 / blocks nobody, at {tweets:,} tweets: "
              f"{ratio:.2f} (goal <= 1.2)", flush=True)


def block_cost(url: str, popular_followers: int) -> None:
    """Block a user with `popular_followers` followers and tweets; print its time, locks and effects."""
    with psycopg.connect(url) as connection:
        blocker, popular, writer = create_users(connection, 3, "blockbench")
        followers = create_users(connection, popular_followers, "bf")
        connection.execute("set local session_replication_role = replica")
        connection.execute("insert into public.follows (follower_id, followee_id) select unnest(%s::uuid[]), %s",
                           (followers + [blocker], popular))
        connection.execute("insert into public.follows (follower_id, followee_id) values (%s, %s)", (popular, blocker))
        connection.execute(HIDDEN_TWEETS, {"authors": [popular], "count": popular_followers, "spacing": 1})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.tweets, public.follows")
    write_ahead(url, [blocker])
    settings = Settings.from_environment({"DATABASE_URL": url})
    Worker(settings).run(drain=True)  # what the loads queued (their follows), not this block's
    stop, inserts = threading.Event(), []
    writes = threading.Thread(target=_write_meanwhile, args=(url, writer, stop, inserts))
    writes.start()
    time.sleep(0.5)
    with psycopg.connect(url, row_factory=dict_row) as connection:
        connection.execute(SET_CALLER, ("authenticated", json.dumps({"sub": blocker, "role": "authenticated"}),
                                        "5000"))
        began = time.perf_counter()
        connection.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (blocker, popular))
        insert_ms = (time.perf_counter() - began) * 1000
        locks = connection.execute(
            "select locktype, coalesce(relation::regclass::text, '') as relation, mode from pg_locks"
            " where pid = pg_backend_pid() and locktype <> 'virtualxid' and granted"
            " order by locktype, relation").fetchall()
        connection.commit()
        committed = time.perf_counter()
    time.sleep(0.5)
    stop.set()
    writes.join()
    # The inserts that ran while the block's transaction was open, and all of them.
    during = [ms for start, ms in inserts if start < committed and start + ms / 1000 > began]
    durations = [ms for _, ms in inserts]
    with psycopg.connect(url) as connection:
        queued = connection.execute("select count(*) from pgmq.q_events").fetchone()[0]
        entries = connection.execute("select count(*) from public.home_timeline where user_id = %s",
                                     (blocker,)).fetchone()[0]
    started = time.perf_counter()
    Worker(settings).run(drain=True)
    consumer_ms = (time.perf_counter() - started) * 1000
    print(f"block of a user with {popular_followers:,} followers and tweets: INSERT {insert_ms:.1f} ms "
          f"(open {(committed - began) * 1000:.1f} ms to its commit); tweet inserts by another user: "
          f"{len(during)} while it was open, the longest {max(during, default=0):.1f} ms; "
          f"{len(durations)} in all, median {statistics.median(durations):.1f} ms, longest {max(durations):.1f} ms; "
          f"the consumer then drained {queued} messages (block.created, 2 follow.deleted, those tweets) "
          f"in {consumer_ms:.0f} ms, taking {entries} entries out of the blocker's home timeline", flush=True)
    print("  locks held by the block's transaction: " + "; ".join(
        f"{lock['locktype']} {lock['relation']} {lock['mode']}".replace("  ", " ") for lock in locks), flush=True)


def _write_meanwhile(url: str, writer: str, stop: threading.Event, inserts: list[tuple[float, float]]) -> None:
    """Insert tweets one by one until `stop`, noting when each started and its milliseconds."""
    with psycopg.connect(url, autocommit=True) as connection:
        while not stop.is_set():
            started = time.perf_counter()
            connection.execute("insert into public.tweets (user_id, content) values (%s, 'meanwhile')", (writer,))
            inserts.append((started, (time.perf_counter() - started) * 1000))
