"""How every process connects to PostgreSQL: the options, built once, and one message when it cannot.

Behind a transaction-mode pooler (DATABASE_PREPARED_STATEMENTS=false: Supabase's port 6543,
PgBouncer `pool_mode = transaction`) a connection keeps no prepared statements between
transactions, so psycopg must prepare none (`prepare_threshold=None`).
"""

from __future__ import annotations

from typing import Any

# How long a new connection may take before the attempt fails (the web tier's pools retry in the
# background; a command says it cannot connect).
CONNECT_TIMEOUT_SECONDS = 2


def connection_options(prepared_statements: bool, **options: Any) -> dict[str, Any]:
    """psycopg.connect's keyword arguments: the connect timeout, no prepared statements behind a
    pooler, then `options` (autocommit, row_factory...)."""
    built: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if not prepared_statements:
        built["prepare_threshold"] = None
    built.update(options)
    return built


def first_line(error: BaseException) -> str:
    """The first line of an error's message (libpq's run to several)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def unreachable(error: BaseException) -> str:
    """What a command prints when the database does not answer: which setting, and libpq's reason."""
    return f"cannot connect to the database (DATABASE_URL): {first_line(error)}"
