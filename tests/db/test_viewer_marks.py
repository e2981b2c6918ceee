"""public.viewer_marks, the caller's flags of every tweet shown (migration 20261207020100): kept by
triggers on likes, reposts and bookmarks in the same transaction, directly and through cascades,
under concurrent marks of one pair; read by each user only for themselves; written by nobody."""

from __future__ import annotations

import random
import threading

import psycopg

from tests.db.test_row_level_security import count, refused
from tests.helpers.fixtures import acting_as, create_user

MARK_TABLES = {"liked": "likes", "reposted": "reposts", "bookmarked": "bookmarks"}
MARKS = "select user_id, tweet_id, liked, reposted, bookmarked from public.viewer_marks"
# What the marks must be: one row per pair someone liked, reposted or bookmarked, with what they did.
TRUTH = """
select user_id, tweet_id, bool_or(kind = 'likes'), bool_or(kind = 'reposts'), bool_or(kind = 'bookmarks')
from (select user_id, tweet_id, 'likes' as kind from public.likes
      union all select user_id, tweet_id, 'reposts' from public.reposts
      union all select user_id, tweet_id, 'bookmarks' from public.bookmarks) as marks
group by user_id, tweet_id
"""


def tweet(connection: psycopg.Connection, author, content: str = "hello") -> object:
    tweet_id = connection.execute("insert into public.tweets (user_id, content) values (%s, %s) returning id",
                                  (author, content)).fetchone()[0]
    connection.commit()
    return tweet_id


def mark(connection: psycopg.Connection, user, tweet_id, flag: str) -> None:
    connection.execute(f"insert into public.{MARK_TABLES[flag]} (user_id, tweet_id) values (%s, %s)", (user, tweet_id))


def unmark(connection: psycopg.Connection, user, tweet_id, flag: str) -> None:
    connection.execute(f"delete from public.{MARK_TABLES[flag]} where user_id = %s and tweet_id = %s", (user, tweet_id))


def owner_reads(connection: psycopg.Connection, query: str, params=()) -> list[tuple]:
    """Rows read as the owner, in a transaction of their own: the next acting_as then begins a new
    transaction (not a savepoint, whose role would outlive it)."""
    rows = connection.execute(query, params).fetchall()
    connection.rollback()
    return rows


def marks_match_the_tables(connection: psycopg.Connection) -> bool:
    return set(owner_reads(connection, MARKS)) == set(owner_reads(connection, TRUTH))


def test_marks_follow_likes_reposts_and_bookmarks_and_their_cascades(postgresql, alice, bob):
    first, second = tweet(postgresql, bob), tweet(postgresql, bob)
    with acting_as(postgresql, alice, commit=True):
        for flag in MARK_TABLES:
            mark(postgresql, alice, first, flag)
        mark(postgresql, alice, second, "liked")
    assert owner_reads(postgresql, MARKS + " order by liked, tweet_id") == sorted(
        [(alice, first, True, True, True), (alice, second, True, False, False)], key=lambda row: row[1])
    with acting_as(postgresql, alice, commit=True):
        unmark(postgresql, alice, first, "reposted")
        unmark(postgresql, alice, second, "liked")
    # A pair with nothing left is gone, not kept as three falses.
    assert owner_reads(postgresql, MARKS) == [(alice, first, True, False, True)]
    with acting_as(postgresql, bob, commit=True):  # the author deletes the tweet: its likes cascade
        postgresql.execute("delete from public.tweets where id = %s", (first,))
    assert owner_reads(postgresql, MARKS) == []


def test_marks_match_the_tables_after_any_sequence_of_marks(postgresql, alice, bob):
    tweets = [tweet(postgresql, bob, f"tweet {n}") for n in range(3)]
    chosen = random.Random(20261207)
    for _ in range(120):
        user, tweet_id, flag = chosen.choice((alice, bob)), chosen.choice(tweets), chosen.choice(list(MARK_TABLES))
        with acting_as(postgresql, user, commit=True):
            table = MARK_TABLES[flag]
            present = count(postgresql, f"select count(*) from public.{table} where user_id = %s and tweet_id = %s",
                            (user, tweet_id))
            (unmark if present else mark)(postgresql, user, tweet_id, flag)
        assert marks_match_the_tables(postgresql)
    # Written past the triggers (as a bulk load might), then rebuilt from the three tables.
    postgresql.execute("truncate public.viewer_marks")
    postgresql.execute("select public.rebuild_viewer_marks()")
    postgresql.commit()
    assert marks_match_the_tables(postgresql)
    postgresql.execute("delete from public.profiles where id = %s", (alice,))  # her marks cascade away
    postgresql.commit()
    assert marks_match_the_tables(postgresql)
    assert owner_reads(postgresql, "select * from public.viewer_marks where user_id = %s", (alice,)) == []


def test_concurrent_marks_of_one_pair_meet_in_one_row(postgresql, database_url, alice, bob):
    """A second transaction marks a pair while a first holds its row: a bookmark while a like is
    being made, then a repost while an unlike and an unbookmark empty the row and delete it. The
    second waits, then lands in the row as the tables say."""
    tweet_id = tweet(postgresql, bob)
    rounds = ([(mark, "liked")], (mark, "bookmarked")), \
             ([(unmark, "liked"), (unmark, "bookmarked")], (mark, "reposted"))
    failures: list[Exception] = []
    with psycopg.connect(database_url) as other:
        for first_steps, (second_step, second_flag) in rounds:
            with acting_as(postgresql, alice, commit=True):
                for step, flag in first_steps:
                    step(postgresql, alice, tweet_id, flag)
                second = threading.Thread(target=lambda: failures.extend(
                    in_transaction(other, alice, second_step, second_flag, tweet_id)))
                second.start()
                second.join(0.5)
                assert second.is_alive()  # it waits for the first transaction's row
            second.join(10)
            assert not second.is_alive() and failures == []
            assert marks_match_the_tables(postgresql)
    assert owner_reads(postgresql, MARKS) == [(alice, tweet_id, False, True, False)]


def in_transaction(connection: psycopg.Connection, user, step, flag: str, tweet_id) -> list[Exception]:
    """One step in a transaction of its own as `user`; the error it met, if any (a thread's is lost)."""
    try:
        with acting_as(connection, user, commit=True):
            step(connection, user, tweet_id, flag)
    except psycopg.Error as error:
        return [error]
    return []


def test_each_user_reads_only_their_own_marks_and_nobody_writes_them(postgresql, alice, bob):
    tweet_id = tweet(postgresql, bob)
    with acting_as(postgresql, alice, commit=True):
        mark(postgresql, alice, tweet_id, "bookmarked")
    with acting_as(postgresql, alice):
        assert count(postgresql, "select count(*) from public.viewer_marks") == 1
        assert count(postgresql, "select count(*) from public.tweet_cards where bookmarked") == 1
    carol = create_user(postgresql, "carol")
    for reader in (bob, carol, None):
        with acting_as(postgresql, reader):
            assert count(postgresql, "select count(*) from public.viewer_marks") == 0
            assert count(postgresql, "select count(*) from public.tweet_cards "
                                     "where liked or reposted or bookmarked") == 0
    for writer in (alice, bob, None):
        with acting_as(postgresql, writer):
            assert refused(postgresql, "insert into public.viewer_marks (user_id, tweet_id, liked) "
                                       "values (%s, %s, true)", (writer or alice, tweet_id))
            assert refused(postgresql, "update public.viewer_marks set liked = true")
            assert refused(postgresql, "delete from public.viewer_marks")
            assert refused(postgresql, "select public.keep_viewer_marks()")
            assert refused(postgresql, "select public.rebuild_viewer_marks()")
