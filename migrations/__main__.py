"""`python -m migrations`: make the database at `DATABASE_URL` (or the embedded one) ready."""

import logging
import sys

import psycopg

from chirp.migrator import MigrationError, migrate
from chirp.startup import settings_or_exit

PROGRAM = "python -m migrations"


def main() -> int:
    """Apply the pending migrations; a bad setting, an unreachable database or a failing
    migration each end it with one line that says which."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = settings_or_exit(PROGRAM)
    try:
        database_url = settings.database_url
        connection = psycopg.connect(database_url, connect_timeout=10)
    except psycopg.OperationalError as error:
        print(f"{PROGRAM}: cannot connect to the database (DATABASE_URL): {first_line(error)}", file=sys.stderr)
        return 1
    connection.close()
    try:
        applied = migrate(database_url, write_limit=settings.write_limit_for_database)
    except MigrationError as error:
        print(f"{PROGRAM}: migration failed: {error}", file=sys.stderr)
        return 1
    except psycopg.Error as error:
        print(f"{PROGRAM}: migration failed: {first_line(error)}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0


def first_line(error: Exception) -> str:
    """The first line of an error's message (libpq's are several)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


if __name__ == "__main__":
    sys.exit(main())
