"""RLS and grants of the home timeline tables."""

import pytest

from tests.db.test_row_level_security import count, refused
from tests.helpers.fixtures import acting_as

TABLES = ["home_timeline", "home_timeline_horizons", "timeline_pulled_authors", "home_timeline_settings"]


@pytest.fixture
def timelines(postgresql, alice, bob):
    """Alice's and Bob's timelines hold one entry each; both have a horizon."""
    tweet_id = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'hello') returning id", (alice,)
    ).fetchone()[0]
    for user_id in (alice, bob):
        postgresql.execute("insert into public.home_timeline (user_id, created_at, tweet_id, author_id) "
                           "values (%s, now(), %s, %s)", (user_id, tweet_id, alice))
        postgresql.execute("insert into public.home_timeline_horizons (user_id, created_at, tweet_id) "
                           "values (%s, now(), %s)", (user_id, tweet_id))
    postgresql.execute("insert into public.timeline_pulled_authors (author_id) values (%s)", (alice,))
    postgresql.commit()


@pytest.mark.parametrize("table", TABLES)
def test_every_timeline_table_has_row_level_security(postgresql, table):
    assert postgresql.execute("select relrowsecurity from pg_class where oid = %s::regclass",
                              (f"public.{table}",)).fetchone()[0]


def test_users_read_only_their_own_timeline_and_horizon(postgresql, timelines, bob):
    with acting_as(postgresql, bob):
        assert count(postgresql, "select count(*) from public.home_timeline") == 1
        assert count(postgresql, "select count(*) from public.home_timeline where user_id = %s", (bob,)) == 1
        assert count(postgresql, "select count(*) from public.home_timeline_horizons") == 1
        assert count(postgresql, "select count(*) from public.timeline_pulled_authors") == 1


@pytest.mark.parametrize("statement", [
    "insert into public.home_timeline select user_id, created_at, tweet_id, author_id from public.home_timeline",
    "delete from public.home_timeline",
    "update public.home_timeline_horizons set created_at = now()",
    "delete from public.timeline_pulled_authors",
    "select * from public.home_timeline_settings",
    "update public.home_timeline_settings set kept_entries = 1",
])
@pytest.mark.parametrize("as_user", [False, True])
def test_only_the_consumer_writes_timelines(postgresql, timelines, bob, statement, as_user):
    with acting_as(postgresql, bob if as_user else None):
        assert refused(postgresql, statement)


def test_anon_reads_no_timeline(postgresql, timelines):
    with acting_as(postgresql, None):
        assert refused(postgresql, "select * from public.home_timeline")
        assert refused(postgresql, "select * from public.home_timeline_horizons")
