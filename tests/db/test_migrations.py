"""`python -m migrations` on empty databases: twice, twice at once, beside an existing `auth`, and failing."""

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest

from chirp.migrator import MIGRATIONS_DIRECTORY, MigrationError, discover, migrate
from tests.helpers import processes


@pytest.fixture
def empty_database_url(postgres_server):
    """A brand-new database with nothing in it (not cloned from the migrated template)."""
    name = f"empty_{uuid.uuid4().hex[:12]}"
    maintenance = postgres_server.url("postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'create database "{name}"')
    yield postgres_server.url(name)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'drop database "{name}" with (force)')


def recorded_versions(url):
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select version, name, cardinality(statements) from supabase_migrations.schema_migrations"
            " order by version").fetchall()
    return rows


def run_migrations_command(url):
    return processes.start(
        [sys.executable, "-m", "migrations"], env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_every_migration_is_recorded_as_the_supabase_cli_does(empty_database_url):
    applied = migrate(empty_database_url)
    expected = [m.version for m in discover()]
    assert applied == expected
    rows = recorded_versions(empty_database_url)
    assert [version for version, _, _ in rows] == expected
    assert all(statement_count > 0 for _, _, statement_count in rows)
    assert rows[0][1] == discover()[0].name


def test_running_twice_applies_nothing_the_second_time(empty_database_url):
    migrate(empty_database_url)
    assert migrate(empty_database_url) == []
    assert len(recorded_versions(empty_database_url)) == len(discover())


def test_two_runs_at_once_apply_each_migration_once(empty_database_url):
    runs = [run_migrations_command(empty_database_url) for _ in range(2)]
    try:
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    finally:
        for run in runs:
            processes.stop(run, grace_seconds=0)
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert len(recorded_versions(empty_database_url)) == len(discover())
    with psycopg.connect(empty_database_url) as connection:
        assert connection.execute("select count(*) from pgmq.meta where queue_name = 'events'").fetchone()[0] == 1


def test_existing_auth_schema_is_left_as_it_is(empty_database_url):
    with psycopg.connect(empty_database_url) as connection:
        connection.execute("create schema auth")
        connection.execute("create table auth.users (id uuid primary key, provider_marker text)")
        connection.execute(
            "create function auth.uid() returns uuid language sql stable as $$"
            " select (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid $$")
        connection.execute("comment on function auth.uid() is 'the platform''s own'")
        connection.execute("grant usage on schema auth to anon, authenticated")
    migrate(empty_database_url)
    with psycopg.connect(empty_database_url) as connection:
        columns = {c for (c,) in connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'auth' and table_name = 'users'")}
        comment = connection.execute("select obj_description('auth.uid()'::regprocedure)").fetchone()[0]
    assert columns == {"id", "provider_marker"}
    assert comment == "the platform's own"


def test_a_failing_migration_rolls_back_and_names_file_and_statement(empty_database_url, tmp_path):
    for migration in discover():
        shutil.copy(migration.path, tmp_path)
    (tmp_path / "20991231000000_broken.sql").write_text(
        "create table public.half_done (id int);\n\nselect 1 / 0 as broken_statement;\n")
    with pytest.raises(MigrationError) as failure:
        migrate(empty_database_url, tmp_path)
    assert "20991231000000_broken.sql" in str(failure.value)
    assert "select 1 / 0 as broken_statement" in str(failure.value)
    assert "division by zero" in str(failure.value)
    with psycopg.connect(empty_database_url) as connection:
        assert connection.execute("select to_regclass('public.half_done')").fetchone()[0] is None
    assert len(recorded_versions(empty_database_url)) == len(discover())


def test_command_reports_failure_with_exit_code(empty_database_url):
    run = subprocess.run(
        [sys.executable, "-m", "migrations"], env={**os.environ, "DATABASE_URL": empty_database_url + " port=1"},
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("python -m migrations: cannot connect to the database (DATABASE_URL):"), run.stderr
    assert run.stderr.count("\n") == 1, run.stderr


def test_migration_files_are_named_for_the_supabase_cli():
    names = sorted(path.name for path in MIGRATIONS_DIRECTORY.glob("*.sql"))
    assert names and [m.path.name for m in discover()] == names
