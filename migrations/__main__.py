"""`python -m migrations`: make the database at `DATABASE_URL` (or the embedded one) ready."""

import logging
import sys

import psycopg

from migrations.runner import MigrationError, migrate
from migrations.settings import ConfigurationError, Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_environment()
        write_limit = settings.rate_limit_write if settings.rate_limit_write_is_set else None
        applied = migrate(settings.database_url, write_limit=write_limit)
    except (MigrationError, ConfigurationError, psycopg.OperationalError) as error:
        print(f"migration failed: {error}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
