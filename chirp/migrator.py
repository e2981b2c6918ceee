"""Apply `migrations/<YYYYMMDDHHMMSS>_<name>.sql` in order, the way the Supabase CLI records them.

Before the first migration, a plain PostgreSQL gets a local stand-in for Supabase's `auth` (skipped
where `auth` exists) and pgmq (the extension where the server has it, else the SQL shipped in the
`pgmq` package). Each migration runs in one transaction and is recorded in
`supabase_migrations.schema_migrations`; a session advisory lock makes concurrent runs wait.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
from pathlib import Path

import psycopg
import sqlparse
from limits import parse as parse_limit
from pgmq.install import get_embedded_install_sql

import migrations
from chirp import connections
from chirp.queries import QUERIES

MIGRATIONS_DIRECTORY = Path(migrations.__file__).resolve().parent
LOCAL_SUPABASE_SQL = Path(__file__).resolve().parent / "sql" / "local" / "supabase_stand_in.sql"
MIGRATION_FILE_NAME = re.compile(r"^(?P<version>\d{14})_(?P<name>\w+)\.sql$")
# Any fixed number, the same in every run: concurrent runs queue up behind it.
ADVISORY_LOCK_KEY = 7_312_004_511

PROGRAM = "python -m migrations"

logger = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    """A migration failed; the message names the file and the statement."""


@dataclasses.dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements, split the way `psql` would (dollar quotes included)."""
        text = self.path.read_text(encoding="utf-8")
        return [statement for statement in sqlparse.split(text) if sqlparse.format(
            statement, strip_comments=True).strip()]


def discover(directory: Path = MIGRATIONS_DIRECTORY) -> list[Migration]:
    """Every migration file in `directory`, oldest first."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: not named <YYYYMMDDHHMMSS>_<name>.sql")
        migrations.append(Migration(match["version"], match["name"], path))
    return migrations


def migrate(database_url: str, directory: Path = MIGRATIONS_DIRECTORY, write_limit: str | None = None) -> list[str]:
    """Bring the database up to date; returns the versions applied by this run.

    `write_limit` ("30/minute"), when given, becomes the database's limit on writes by users.
    """
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("select pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            _install_prerequisites(connection)
            applied = _applied_versions(connection)
            done = []
            for migration in discover(directory):
                if migration.version not in applied:
                    _apply(connection, migration)
                    done.append(migration.version)
            if write_limit is not None:
                set_write_limit(connection, write_limit)
            return done
        finally:
            connection.execute("select pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


def _install_prerequisites(connection: psycopg.Connection) -> None:
    """Supabase's `auth` stand-in where `auth` is missing, then pgmq where it is missing."""
    if _scalar(connection, "select to_regnamespace('auth') is null"):
        logger.info("no auth schema: installing the local Supabase stand-in")
        _run_script(connection, "chirp/sql/local/supabase_stand_in.sql", LOCAL_SUPABASE_SQL.read_text("utf-8"))
    if _scalar(connection, "select to_regnamespace('pgmq') is null"):
        if _scalar(connection, "select exists (select from pg_available_extensions where name = 'pgmq')"):
            logger.info("installing the pgmq extension")
            connection.execute("create extension if not exists pgmq")
        else:
            logger.info("no pgmq extension on this server: installing pgmq's SQL")
            _run_script(connection, "pgmq.sql (from the pgmq package)", get_embedded_install_sql())


def _applied_versions(connection: psycopg.Connection) -> set[str]:
    """Create the Supabase CLI's history table where missing, and read it."""
    connection.execute("create schema if not exists supabase_migrations")
    connection.execute(
        "create table if not exists supabase_migrations.schema_migrations"
        " (version text not null primary key, statements text[], name text)"
    )
    rows = connection.execute("select version from supabase_migrations.schema_migrations")
    return {version for (version,) in rows}


def _apply(connection: psycopg.Connection, migration: Migration) -> None:
    """Run one migration's statements and record it, all in one transaction."""
    statements = migration.statements()
    logger.info("applying a migration", extra={"migration": migration.path.name})
    with connection.transaction():
        for statement in statements:
            _execute(connection, migration.path.name, statement)
        connection.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements)"
            " values (%s, %s, %s)",
            (migration.version, migration.name, statements),
        )


def set_write_limit(connection: psycopg.Connection, write_limit: str) -> None:
    """Store `write_limit` (the `limits` library's notation) in public.write_limit."""
    item = parse_limit(write_limit)
    parameters = {"max_writes": item.amount, "period_seconds": item.get_expiry()}
    connection.execute(QUERIES["set_write_limit"], parameters)
    logger.info("write limit set", extra={"max_writes": item.amount, "period_seconds": item.get_expiry()})


def _run_script(connection: psycopg.Connection, label: str, text: str) -> None:
    """Run a whole SQL script in one transaction, statement by statement."""
    with connection.transaction():
        for statement in sqlparse.split(text):
            if sqlparse.format(statement, strip_comments=True).strip():
                _execute(connection, label, statement)


def _execute(connection: psycopg.Connection, label: str, statement: str) -> None:
    try:
        connection.execute(statement)
    except psycopg.Error as error:
        excerpt = " ".join(statement.split())[:300]
        raise MigrationError(f"{label}: {error.diag.message_primary or error}\n  in: {excerpt}") from error


def _scalar(connection: psycopg.Connection, query: str):
    return connection.execute(query).fetchone()[0]


def main() -> int:
    """`python -m migrations`: apply the pending migrations; a bad setting, an unreachable database
    or a failing migration each end it with one line that says which."""
    from chirp import logs
    from chirp.startup import settings_or_exit

    logs.configure({"chirp": logging.INFO})
    settings = settings_or_exit(PROGRAM)
    try:
        database_url = settings.database_url
        psycopg.connect(database_url, connect_timeout=10).close()
    except psycopg.OperationalError as error:
        print(f"{PROGRAM}: {connections.unreachable(error)}", file=sys.stderr)
        return 1
    try:
        applied = migrate(database_url, write_limit=settings.write_limit_for_database)
    except MigrationError as error:
        print(f"{PROGRAM}: migration failed: {error}", file=sys.stderr)
        return 1
    except psycopg.Error as error:
        print(f"{PROGRAM}: migration failed: {connections.first_line(error)}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0
