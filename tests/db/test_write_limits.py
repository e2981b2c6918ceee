"""Write limits at the database: inserts of tweets, likes and follows by `authenticated` count
against public.write_limit and past it fail with SQLSTATE PT429; the owner and service_role do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psycopg
import pytest

from chirp.migrator import migrate
from tests.db.test_migrations import empty_database_url  # noqa: F401 - fixture
from tests.helpers.fixtures import acting_as
from tests.helpers.web import REPOSITORY

LIMIT = 3


def set_limit(connection: psycopg.Connection, max_writes: int, period_seconds: int) -> None:
    """What an operator runs in psql (README, "Rate limits")."""
    connection.execute("update public.write_limit set max_writes = %s, period_seconds = %s",
                       (max_writes, period_seconds))
    connection.commit()


@pytest.fixture
def hourly_limit(postgresql):
    """LIMIT writes per hour: the window does not roll over while a test runs (or only once)."""
    set_limit(postgresql, LIMIT, 3600)


def insert_tweet(connection, user_id, content="hello"):
    return connection.execute("insert into public.tweets (user_id, content) values (%s, %s) returning id",
                              (user_id, content)).fetchone()[0]


def write_as(connection, user_id, statement, parameters=()) -> str | None:
    """Run `statement` as `authenticated` `user_id` and commit; the SQLSTATE when it failed."""
    try:
        with acting_as(connection, user_id, commit=True):
            connection.execute(statement, parameters)
    except psycopg.Error as error:
        return error.sqlstate
    return None


TWEET = "insert into public.tweets (user_id, content) values (%s, 'x')"


def test_tweets_likes_and_follows_count_together_and_refuse_with_pt429(postgresql, alice, bob, hourly_limit):
    tweet_id = insert_tweet(postgresql, bob)
    postgresql.commit()
    outcomes = [
        write_as(postgresql, alice, TWEET, (alice,)),
        write_as(postgresql, alice, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (alice, tweet_id)),
        write_as(postgresql, alice, "insert into public.follows (follower_id, followee_id) values (%s, %s)",
                 (alice, bob)),
    ]
    assert outcomes == [None, None, None]
    with pytest.raises(psycopg.Error) as refused, acting_as(postgresql, alice):
        postgresql.execute(TWEET, (alice,))
    error = refused.value
    assert error.sqlstate == "PT429"
    assert "retry in" in error.diag.message_primary and "3 tweets, likes and follows per 3600 seconds" in \
        error.diag.message_primary
    detail = json.loads(error.diag.message_detail)
    assert detail["limit"] == LIMIT and 0 < detail["retry_after"] <= 3600
    assert detail["reset"] - time.time() == pytest.approx(detail["retry_after"], abs=2)
    # Nothing of the refused statement stays; another user has a budget of their own.
    assert postgresql.execute("select count(*) from public.tweets where user_id = %s", (alice,)).fetchone()[0] == 1
    assert write_as(postgresql, bob, TWEET, (bob,)) is None


def test_a_bulk_insert_counts_every_row(postgresql, alice, hourly_limit):
    bulk = "insert into public.tweets (user_id, content) select %s, 'bulk ' || n from generate_series(1, %s) n"
    assert write_as(postgresql, alice, bulk, (alice, LIMIT + 1)) == "PT429"
    assert write_as(postgresql, alice, bulk, (alice, LIMIT)) is None
    assert write_as(postgresql, alice, TWEET, (alice,)) == "PT429"


def test_the_owner_and_service_role_are_not_limited(postgresql, alice, hourly_limit):
    for number in range(2 * LIMIT):
        insert_tweet(postgresql, alice, f"owner {number}")
    postgresql.commit()
    for _ in range(2 * LIMIT):
        with postgresql.transaction():
            postgresql.execute("select set_config('role', 'service_role', true), "
                               "set_config('request.jwt.claims', '{\"role\": \"service_role\"}', true)")
            postgresql.execute(TWEET, (alice,))
    assert postgresql.execute("select count(*) from public.tweets").fetchone()[0] == 4 * LIMIT
    # The owner's and service_role's inserts counted nothing: alice still has her whole budget.
    assert [write_as(postgresql, alice, TWEET, (alice,)) for _ in range(LIMIT + 1)] == [None] * LIMIT + ["PT429"]


def test_a_new_window_starts_a_new_count(postgresql, alice):
    set_limit(postgresql, 2, 1)
    # Wait for the start of a one-second window, so that two writes fall in the same one.
    time.sleep(1 - time.time() % 1 + 0.05)
    assert [write_as(postgresql, alice, TWEET, (alice,)) for _ in range(3)] == [None, None, "PT429"]
    time.sleep(1 - time.time() % 1 + 0.05)
    assert write_as(postgresql, alice, TWEET, (alice,)) is None


def test_the_api_roles_cannot_see_or_call_the_limit_machinery(postgresql, alice):
    for table in ("write_limit", "write_counters", "rate_limit_counters"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(postgresql, alice):
            postgresql.execute(f"select * from public.{table}")  # constant table names
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(postgresql, alice):
        postgresql.execute("update public.write_counters set writes = 0")


def test_first_install_is_30_per_minute_and_the_command_sets_rate_limit_write(empty_database_url):
    migrate(empty_database_url)
    assert read_limit(empty_database_url) == (30, 60)
    environment = {**os.environ, "DATABASE_URL": empty_database_url, "RATE_LIMIT_WRITE": "100 per hour"}
    subprocess.run([sys.executable, "-m", "migrations"], cwd=REPOSITORY, env=environment, check=True,
                   capture_output=True, timeout=120)
    assert read_limit(empty_database_url) == (100, 3600)
    # Run again without RATE_LIMIT_WRITE: the operator's value stays.
    environment.pop("RATE_LIMIT_WRITE")
    subprocess.run([sys.executable, "-m", "migrations"], cwd=REPOSITORY, env=environment, check=True,
                   capture_output=True, timeout=120)
    assert read_limit(empty_database_url) == (100, 3600)


def read_limit(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as connection:
        return connection.execute("select max_writes, period_seconds from public.write_limit").fetchone()
