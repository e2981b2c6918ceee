"""The operators' psql scripts in sql/ run as documented: `psql "$DATABASE_URL" -f sql/...`."""

from __future__ import annotations

import subprocess

from psycopg.types.json import Jsonb

from chirp import local_server as embedded
from tests.helpers.consumer_process import REPOSITORY


def psql(database_url: str, script: str) -> str:
    """Run one script with the embedded server's psql and return its output (failing on any error)."""
    completed = subprocess.run(
        [str(embedded.bin_directory() / "psql"), database_url, "-X", "-v", "ON_ERROR_STOP=1", "-f", script],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_queue_status_shows_depth_and_dead_letters(postgresql, database_url):
    for message in ({"type": "bogus"}, {"type": "other"}):
        postgresql.execute("select pgmq.send('events', %s)", (Jsonb(message),))
    postgresql.execute("select pgmq.archive('events', 1::bigint)")
    postgresql.commit()
    output = psql(database_url, "chirp/sql/operators/queue_status.sql")
    header, _, values = output.splitlines()[:3]
    row = dict(zip([name.strip() for name in header.split("|")], [value.strip() for value in values.split("|")]))
    assert row["depth"] == "1" and row["visible"] == "1" and row["dead_letters"] == "1"


def test_dead_letters_lists_each_with_its_error(postgresql, database_url):
    postgresql.execute("select pgmq.send('events', %s)", (Jsonb({"type": "bogus"}),))
    postgresql.execute("select pgmq.archive('events', 1::bigint)")
    postgresql.execute("insert into public.event_failures (msg_id, attempts, last_error) values (1, 5, 'it broke')")
    postgresql.commit()
    output = psql(database_url, "chirp/sql/operators/dead_letters.sql")
    assert "bogus" in output and "it broke" in output and "(1 row)" in output


def test_rls_policies_lists_every_policy(postgresql, database_url):
    output = psql(database_url, "chirp/sql/operators/rls_policies.sql")
    policies, tables_without_policy = postgresql.execute(
        "select (select count(*) from pg_policies where schemaname = 'public'),"
        " (select count(*) from pg_tables t where schemaname = 'public'"
        "  and not exists (select from pg_policies p where p.schemaname = 'public' and p.tablename = t.tablename))"
    ).fetchone()
    assert policies > 10 and tables_without_policy >= 1  # event_failures: the owner's only
    assert f"({policies + tables_without_policy} rows)" in output
    assert "event_failures" in output
    assert "Users read their own notifications" in output
