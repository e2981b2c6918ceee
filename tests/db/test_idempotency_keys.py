"""Idempotency-Key records: written only through the narrow SECURITY DEFINER functions, for the caller.

The attacks of issue 16, as `authenticated` through SQL (PostgREST or psql): rows with
created_at = 'infinity' that no purge removes, tens of thousands of rows for one user, and a key
pointed at another user's tweet so that POST /tweets with it returns that tweet.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading

import psycopg
import pytest

from tests.helpers.fixtures import acting_as

MAX_LIVE_KEYS = 1000
CLAIM = "select public.claim_idempotency_key(%s)"
REMEMBER = "select public.remember_idempotent_tweet(%s, %s)"
EARLIER = "select public.idempotent_tweet(%s)"


def insert_tweet(connection, user_id, content="hello"):
    return connection.execute("insert into public.tweets (user_id, content) values (%s, %s) returning id",
                              (user_id, content)).fetchone()[0]


def sqlstate(connection, statement, params=()) -> str | None:
    """The SQLSTATE `statement` fails with (in a savepoint, so the transaction goes on); None if it runs."""
    try:
        with connection.transaction():
            connection.execute(statement, params)
    except psycopg.Error as error:
        return error.sqlstate
    return None


def give_live_keys(connection, user_id, count: int, age: str = "1 hour") -> None:
    """`count` keys of `user_id`, `age` old, written as the owner."""
    connection.execute(
        "insert into public.idempotency_keys (user_id, key, created_at)"
        " select %s, 'old-' || n, now() - %s::interval from generate_series(1, %s) as n",
        (user_id, age, count))
    connection.commit()


@pytest.mark.parametrize("statement", [
    "insert into public.idempotency_keys (user_id, key, created_at) values (%(me)s, 'k', 'infinity')",
    "insert into public.idempotency_keys (user_id, key) select %(me)s, 'k' || n from generate_series(1, 20000) n",
    "update public.idempotency_keys set created_at = 'infinity'",
    "update public.idempotency_keys set tweet_id = %(theirs)s",
    "select * from public.idempotency_keys",
    "delete from public.idempotency_keys",
])
def test_authenticated_cannot_touch_the_table(postgresql, alice, bob, statement):
    theirs = insert_tweet(postgresql, bob)
    postgresql.commit()
    with acting_as(postgresql, alice):
        assert sqlstate(postgresql, statement, {"me": alice, "theirs": theirs}) == "42501"


@pytest.mark.parametrize("statement, params", [(CLAIM, ("k",)), (REMEMBER, ("k", None)), (EARLIER, ("k",))])
def test_anon_calls_none_of_the_functions(postgresql, statement, params):
    with acting_as(postgresql, None):
        assert sqlstate(postgresql, statement, params) == "42501"


def test_a_claim_is_the_callers_own_and_dated_now(postgresql, alice):
    with acting_as(postgresql, alice, commit=True):
        assert postgresql.execute(CLAIM, ("k",)).fetchone()[0] is True
        assert postgresql.execute(CLAIM, ("k",)).fetchone()[0] is False
    user_id, tweet_id, age = postgresql.execute(
        "select user_id, tweet_id, now() - created_at from public.idempotency_keys where key = 'k'").fetchone()
    assert (user_id, tweet_id) == (alice, None) and 0 <= age.total_seconds() < 60


def test_a_key_cannot_be_pointed_at_another_users_tweet(postgresql, alice, bob):
    theirs = insert_tweet(postgresql, bob)
    postgresql.commit()
    with acting_as(postgresql, alice, commit=True):
        postgresql.execute(CLAIM, ("stolen",))
        assert sqlstate(postgresql, REMEMBER, ("stolen", theirs)) == "42501"
        assert postgresql.execute(EARLIER, ("stolen",)).fetchone()[0] is None
        mine = insert_tweet(postgresql, alice)
        postgresql.execute(REMEMBER, ("stolen", mine))
        assert postgresql.execute(EARLIER, ("stolen",)).fetchone()[0] == mine
        # Once remembered, a key's tweet is not changed (not even to another tweet of one's own).
        assert sqlstate(postgresql, REMEMBER, ("stolen", insert_tweet(postgresql, alice))) == "P0002"


def test_a_user_reads_only_their_own_keys_tweet(postgresql, alice, bob):
    with acting_as(postgresql, bob, commit=True):
        postgresql.execute(CLAIM, ("same",))
        postgresql.execute(REMEMBER, ("same", insert_tweet(postgresql, bob)))
    with acting_as(postgresql, alice):
        assert postgresql.execute(EARLIER, ("same",)).fetchone()[0] is None
        assert postgresql.execute(CLAIM, ("same",)).fetchone()[0] is True


def test_live_keys_are_bounded_per_user(postgresql, alice, bob):
    give_live_keys(postgresql, alice, MAX_LIVE_KEYS)
    with acting_as(postgresql, alice), pytest.raises(psycopg.Error) as raised:
        postgresql.execute(CLAIM, ("one-too-many",))
    refusal = raised.value
    assert refusal.sqlstate == "PT429"
    assert "too many Idempotency-Keys" in refusal.diag.message_primary
    numbers = json.loads(refusal.diag.message_detail)
    assert numbers["limit"] == MAX_LIVE_KEYS and 0 < numbers["retry_after"] <= 23 * 3600
    with acting_as(postgresql, alice):
        # A key already held answers as before (its earlier tweet), not with the refusal.
        assert postgresql.execute(CLAIM, ("old-1",)).fetchone()[0] is False
    with acting_as(postgresql, bob):
        assert postgresql.execute(CLAIM, ("bob-1",)).fetchone()[0] is True
    # Keys older than 24 hours do not count.
    postgresql.execute("update public.idempotency_keys set created_at = now() - interval '25 hours'"
                       " where key = 'old-1'")
    postgresql.commit()
    with acting_as(postgresql, alice):
        assert postgresql.execute(CLAIM, ("now-fits",)).fetchone()[0] is True


def test_the_bound_holds_for_concurrent_claims(postgresql, database_url, alice):
    give_live_keys(postgresql, alice, MAX_LIVE_KEYS - 5)
    start = threading.Barrier(20)

    def claim(number: int) -> str | None:
        with psycopg.connect(database_url) as connection:
            with acting_as(connection, alice, commit=True):
                start.wait(timeout=30)
                return sqlstate(connection, CLAIM, (f"concurrent-{number}",))

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(claim, range(20)))
    assert sorted(outcomes, key=str) == [None] * 5 + ["PT429"] * 15
    live = postgresql.execute("select count(*) from public.idempotency_keys where user_id = %s", (alice,))
    assert live.fetchone()[0] == MAX_LIVE_KEYS


def test_a_claim_purges_expired_keys_of_anyone_a_few_at_a_time(postgresql, alice, bob):
    give_live_keys(postgresql, bob, 15, age="25 hours")
    with acting_as(postgresql, alice, commit=True):
        postgresql.execute(CLAIM, ("k",))
    assert postgresql.execute("select count(*) from public.idempotency_keys where user_id = %s",
                              (bob,)).fetchone()[0] == 5
