"""The operators' side of reports and suspension, as the README tells them to do it with psql."""

from __future__ import annotations

from tests.consumer.test_operator_scripts import psql
from tests.helpers.fixtures import acting_as, create_user


def report(connection, reporter, reported, tweet_id, reason):
    with acting_as(connection, reporter, commit=True):
        connection.execute("insert into public.reports (reporter_id, reported_id, tweet_id, reason)"
                           " values (%s, %s, %s, %s)", (reporter, reported, tweet_id, reason))


def test_open_reports_lists_each_with_the_tweets_text_even_deleted(postgresql, database_url, alice, bob):
    carol = create_user(postgresql, "carol")
    kept = postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'kept\nwords')"
                              " returning id", (bob,)).fetchone()[0]
    gone = postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'deleted words')"
                              " returning id", (bob,)).fetchone()[0]
    postgresql.commit()
    report(postgresql, alice, bob, kept, "rude")
    report(postgresql, carol, bob, gone, "threat")
    report(postgresql, alice, carol, None, "spam account")
    postgresql.execute("delete from public.tweets where id = %s", (gone,))
    postgresql.commit()
    output = psql(database_url, "chirp/sql/operators/open_reports.sql")
    assert "(3 rows)" in output
    assert "kept words" in output and "deleted words" in output and "| deleted" in output
    assert "spam account" in output and "threat" in output
    # Resolved (README): gone from the queue, kept in the table.
    postgresql.execute("update public.reports set resolved_at = now() where reported_id = %s", (carol,))
    postgresql.commit()
    assert "(2 rows)" in psql(database_url, "chirp/sql/operators/open_reports.sql")
    assert postgresql.execute("select count(*) from public.reports").fetchone()[0] == 3
