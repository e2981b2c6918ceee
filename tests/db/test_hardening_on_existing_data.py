"""Issue 16's migrations on a database that was used before them: forged records go, tweets stay.

The database is migrated up to the last migration before them, given what the attacks left (and a
tweet that breaks the new content rules), then migrated to the end.
"""

from __future__ import annotations

import shutil

import psycopg
import pytest

from chirp.migrator import discover, migrate
from tests.db.test_migrations import empty_database_url  # noqa: F401 - fixture
from tests.helpers.fixtures import create_user

FIRST_HARDENING_VERSION = "20261206000100"


@pytest.fixture
def used_database_url(empty_database_url, tmp_path):
    """A database migrated to just before issue 16, holding forged keys and a blank tweet."""
    earlier = tmp_path / "migrations"
    earlier.mkdir()
    for migration in discover():
        if migration.version < FIRST_HARDENING_VERSION:
            shutil.copy(migration.path, earlier / migration.path.name)
    migrate(empty_database_url, directory=earlier)
    with psycopg.connect(empty_database_url) as connection:
        alice, bob = create_user(connection, "alice"), create_user(connection, "bob")
        insert = "insert into public.tweets (user_id, content) values (%s, %s) returning id"
        bobs_tweet = connection.execute(insert, (bob, "bob's")).fetchone()[0]
        connection.execute(insert, (alice, "\u202e\u200b"))
        connection.execute(
            "insert into public.idempotency_keys (user_id, key, tweet_id, created_at) values"
            " (%s, 'forever', null, 'infinity'), (%s, 'stolen', %s, now()), (%s, 'honest', null, now())",
            (alice, alice, bobs_tweet, alice))
        connection.commit()
    return empty_database_url


def test_forged_keys_are_deleted_and_old_tweets_kept(used_database_url):
    migrate(used_database_url)
    with psycopg.connect(used_database_url) as connection:
        keys = [key for (key,) in connection.execute("select key from public.idempotency_keys")]
        assert keys == ["honest"]
        assert connection.execute("select count(*) from public.tweets").fetchone()[0] == 2
        validated = dict(connection.execute(
            "select conname, convalidated from pg_constraint where conrelid = 'public.tweets'::regclass"
            " and conname like 'tweets_content_%%'").fetchall())
    # The blank tweet is kept; the rule it breaks is left unvalidated (new rows are still checked).
    assert validated == {"tweets_content_length": True, "tweets_content_characters": True,
                         "tweets_content_nfc": True, "tweets_content_trimmed": True,
                         "tweets_content_visible": False}


def test_new_rows_are_checked_even_where_old_ones_break_a_rule(used_database_url):
    migrate(used_database_url)
    with psycopg.connect(used_database_url) as connection:
        alice = connection.execute("select id from public.profiles where username = 'alice'").fetchone()[0]
        with pytest.raises(psycopg.errors.CheckViolation):
            connection.execute("insert into public.tweets (user_id, content) values (%s, %s)",
                               (alice, "\u200b"))
