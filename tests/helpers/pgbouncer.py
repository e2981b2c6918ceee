"""A real PgBouncer (Debian's `pgbouncer`) in transaction mode in front of the tests' server.

It listens on a free TCP port of 127.0.0.1 and passes every database name through to the session's
server (its Unix socket) as `postgres`: `auth_type = any`, the server trusts its local socket.
PgBouncer refuses to run as root, so as root it runs as the server's own OS user (`pgserver`,
which may use that socket); otherwise as the current user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.helpers.waiting import free_port, wait_until

SERVER_USER = "pgserver"
START_DEADLINE_SECONDS = 15.0
CONFIGURATION = """\
[databases]
* = host={host} port={port} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = {directory}/pgbouncer.log
"""


def executable() -> str | None:
    """Where `pgbouncer` is installed (Debian puts it in /usr/sbin, often not on PATH), or None."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


class PgBouncer:
    """One running pgbouncer process and the URL of a database through it."""

    def __init__(self, host: str, port: int):
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.listen_port = free_port()
        (self.directory / "pgbouncer.ini").write_text(CONFIGURATION.format(
            host=host, port=port, listen_port=self.listen_port, directory=self.directory))
        user = SERVER_USER if os.geteuid() == 0 else None
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self.process = subprocess.Popen([executable(), str(self.directory / "pgbouncer.ini")], user=user,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._accepts, START_DEADLINE_SECONDS, "pgbouncer to accept connections")

    def url(self, direct_url: str) -> str:
        """The URL of `direct_url`'s database through this pgbouncer."""
        dbname = conninfo_to_dict(direct_url)["dbname"]
        return make_conninfo(host="127.0.0.1", port=self.listen_port, user="postgres", dbname=dbname)

    def log(self) -> str:
        """What pgbouncer logged so far."""
        return (self.directory / "pgbouncer.log").read_text(errors="replace")

    def _accepts(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"pgbouncer exited with {self.process.returncode}:\n{self.log()}")
        try:
            with psycopg.connect(self.url("dbname=postgres"), connect_timeout=2, autocommit=True) as connection:
                return connection.execute("select 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """SIGINT (pgbouncer's immediate shutdown), wait, and delete its directory."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
