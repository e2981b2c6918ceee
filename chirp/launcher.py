"""`make run` and `make psql`: the local database, migrations, then the Procfile in the foreground.

`python -m chirp.launcher run`:
1. `.env` gets a generated SUPABASE_JWT_SECRET and LOCAL_DATABASE_PASSWORD when it lacks them;
   it only fills in what the environment leaves unset (an exported variable wins).
2. A malformed setting, or a busy PORT, stops it with one line that says what to change.
3. The local database (unless DATABASE_URL is set) and the migrations, then the Procfile's
   processes (`chirp.supervisor`), each started again with a back-off if it ends by itself.
4. One "ready" line once /healthz answers. Ctrl-C (or SIGTERM) stops web and consumer, says that
   the database keeps running, and exits 0.

On a terminal, Ctrl-C reaches every process of the terminal's foreground group, `make` included,
and GNU make then dies of it (status 130) however cleanly its recipe ends. So this process takes
the terminal's foreground for its own process group while it runs, and hands it back at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

from chirp import connections
from chirp import local_server as embedded
from chirp.env_file import ENV_FILE
from chirp.migrator import MigrationError, migrate
from chirp.startup import settings_or_exit
from chirp.supervisor import Supervisor, read_procfile

PROGRAM = "make run"
READY_DEADLINE_SECONDS = 120.0
READY_POLL_SECONDS = 0.25
BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parent.parent
GENERATED_SECRETS = {"SUPABASE_JWT_SECRET": 48, "LOCAL_DATABASE_PASSWORD": 24}


def ensure_env_file(path: Path = ENV_FILE) -> None:
    """Append a generated value for each of GENERATED_SECRETS that `.env` does not have yet."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    names = {line.partition("=")[0].strip() for line in text.splitlines()}
    missing = [name for name in GENERATED_SECRETS if name not in names]
    if missing:
        lines = [f"{name}={secrets.token_urlsafe(GENERATED_SECRETS[name])}" for name in missing]
        separator = "" if not text or text.endswith("\n") else "\n"
        path.write_text(text + separator + "\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)
        print(f"{PROGRAM}: generated {', '.join(missing)} into {path}", flush=True)


def port_is_free(port: int) -> bool:
    """Whether gunicorn could bind 0.0.0.0:`port` now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def fail(message: str) -> int:
    """Say what went wrong, in one line, and return the exit status 1."""
    print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)
    return 1


def database_url(explicit: str | None) -> tuple[str, str]:
    """The URL the processes use and the one to show a person (the TCP one for the local server)."""
    if explicit:
        return explicit, "DATABASE_URL (from the environment or .env)"
    url = embedded.start()
    password = os.environ.get("LOCAL_DATABASE_PASSWORD", "")
    port = embedded.running_tcp_port()
    if port is None:
        return url, f"{url} (on its Unix socket only: it was started without a password; `make stop` then `make run`" \
                    " adds localhost)"
    return url, embedded.tcp_url(password, port)


@contextlib.contextmanager
def terminal_foreground():
    """Make this process group the terminal's foreground group (see the module's docstring)."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
        original = os.tcgetpgrp(terminal)
    except OSError:
        yield False  # no terminal: signals come from whoever started us
        return
    try:
        if os.getpgrp() != original:
            yield False
            return
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(terminal, os.getpgrp())
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(terminal, original)
    finally:
        os.close(terminal)


def wait_until_ready(port: int, supervisor: Supervisor, stopping: threading.Event) -> bool:
    """Whether /healthz answered 200 before the deadline (processes that end meanwhile restart)."""
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline and not stopping.is_set():
        with contextlib.suppress(OSError, ValueError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        supervisor.tick()
        stopping.wait(READY_POLL_SECONDS)
    return False


def run_procfile(port: int, url: str, shown_url: str) -> int:
    """The Procfile's processes, kept running until Ctrl-C or SIGTERM; then 0."""
    environment = {**os.environ, "DATABASE_URL": url, "PORT": str(port),
                   "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    stopping = threading.Event()
    # The processes run in sessions of their own: a Ctrl-C on the terminal reaches only this
    # process, which stops them (see chirp.supervisor).
    signal.signal(signal.SIGINT, lambda _number, _frame: stopping.set())
    signal.signal(signal.SIGTERM, lambda _number, _frame: stopping.set())
    with terminal_foreground():
        supervisor = Supervisor(read_procfile(REPOSITORY / "Procfile"), environment, REPOSITORY, PROGRAM)
        supervisor.start()
        try:
            if wait_until_ready(port, supervisor, stopping):
                print(f"\nready: http://localhost:{port}/ (the API, described at /openapi.json);"
                      f" a token: .venv/bin/python -m api.token alice; database: {shown_url} (make psql);"
                      " Ctrl-C stops\n", flush=True)
            supervisor.run(stopping)
        finally:
            supervisor.stop()
    print(f"\n{PROGRAM}: stopped web and consumer. The local database keeps running;"
          " `make stop` stops it.", flush=True)
    return 0


def run() -> int:
    """`make run`: see the module's docstring."""
    ensure_env_file()
    settings = settings_or_exit(PROGRAM, needs_token_verification=True)
    if not port_is_free(settings.port):
        return fail(f"port {settings.port} is in use: another `make run` may be going (its terminal's Ctrl-C"
                    f" stops it), or another program holds it; `PORT={settings.port + 1} make run` uses another")
    try:
        url, shown_url = database_url(settings.database_url_setting)
        applied = migrate(url, write_limit=settings.write_limit_for_database)
    except embedded.LocalDatabaseError as error:
        return fail(str(error))
    except psycopg.OperationalError as error:
        return fail(connections.unreachable(error))
    except MigrationError as error:
        return fail(f"migration failed: {error}")
    print(f"{PROGRAM}: database ready ({len(applied)} migration(s) applied): {shown_url}", flush=True)
    return run_procfile(settings.port, url, shown_url)


def psql() -> int:
    """`make psql`: the wheel's psql on DATABASE_URL, or on the local database (started if need be)."""
    settings = settings_or_exit("make psql")
    try:
        url = settings.database_url_setting or embedded.start()
    except embedded.LocalDatabaseError as error:
        return fail(str(error))
    psql_binary = str(embedded.bin_directory() / "psql")
    os.execv(psql_binary, [psql_binary, url])


def main(arguments: list[str]) -> int:
    """Dispatch `run` or `psql`."""
    if arguments == ["run"]:
        return run()
    if arguments == ["psql"]:
        return psql()
    print("usage: python -m chirp.launcher run|psql", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
