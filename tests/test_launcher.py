"""`make run`'s launcher (`python -m chirp.launcher run`): secrets into `.env`, a busy port
explained, a "ready" line, and a stop on SIGTERM with status 0 that says the database keeps running."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.api.conftest import bearer, make_token
from tests.helpers import processes
from tests.helpers.waiting import answers, free_port, wait_until

REPOSITORY = Path(__file__).resolve().parents[1]
START_DEADLINE_SECONDS = 90


EXPORTED_SECRET = "exported-secret-0123456789-0123456789-0123"


def launcher_environment(database_url: str, port: int, **variables: str) -> dict[str, str]:
    """The launcher's environment: this test's database and port, no secret unless given."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("SUPABASE_JWT_SECRET", "LOCAL_DATABASE_PASSWORD", "PROMETHEUS_MULTIPROC_DIR")}
    return {**environment, "DATABASE_URL": database_url, "PORT": str(port), "PYTHONPATH": str(REPOSITORY),
            **variables}


def test_run_says_ready_lets_the_environment_win_and_stops_with_status_0(database_url, tmp_path, alice):
    port = free_port()
    log_path = tmp_path / "launcher.log"
    (tmp_path / ".env").write_text("SUPABASE_JWT_SECRET=from-the-dot-env-file-0123456789-0123456789\n")
    with log_path.open("wb") as log:
        launcher = processes.start([sys.executable, "-m", "chirp.launcher", "run"], cwd=tmp_path,
                                   env=launcher_environment(database_url, port, SUPABASE_JWT_SECRET=EXPORTED_SECRET),
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "ready: http://localhost:" in log_path.read_text(errors="replace"),
                   START_DEADLINE_SECONDS, "the ready line")
        # The web process verifies with the exported secret, not with the one in .env.
        token = make_token(alice, secret=EXPORTED_SECRET)
        me = requests.get(f"http://127.0.0.1:{port}/me", headers=bearer(token), timeout=10)
        assert me.status_code == 200, me.text
        env_file = (tmp_path / ".env").read_text()
        assert "from-the-dot-env-file" in env_file and "LOCAL_DATABASE_PASSWORD=" in env_file
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(30) == 0, processes.tail(log_path.read_text(errors="replace"))
    finally:
        processes.stop(launcher)
    output = log_path.read_text(errors="replace")
    assert "The local database keeps running; `make stop` stops it." in output, processes.tail(output)
    assert "Traceback" not in output, processes.tail(output)
    assert not answers(f"http://127.0.0.1:{port}/healthz")


def test_run_on_a_busy_port_says_so_in_one_line(database_url, tmp_path):
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "chirp.launcher", "run"], cwd=tmp_path,
                                env=launcher_environment(database_url, port), capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert f"port {port} is in use: another `make run` may be going" in line
    assert f"PORT={port + 1} make run" in line


def test_ctrl_c_on_a_terminal_ends_make_with_status_0(database_url, tmp_path):
    """On a terminal, Ctrl-C reaches make too; the launcher keeps it from dying of the signal."""
    port = free_port()
    (tmp_path / "Makefile").write_text(f"run:\n\t@{sys.executable} -m chirp.launcher run\n")
    output = bytearray()
    child, terminal = pty.fork()
    if child == 0:  # the child: make, in a new session whose controlling terminal is the pty
        os.chdir(tmp_path)
        os.execvpe("make", ["make", "run"], launcher_environment(database_url, port))
    try:
        wait_until(lambda: read_into(terminal, output) and b"ready: http://localhost:" in output,
                   START_DEADLINE_SECONDS, "the ready line on the terminal")
        os.write(terminal, b"\x03")  # Ctrl-C, as typed
        wait_until(lambda: not read_into(terminal, output), 30, "the terminal to close")
    finally:
        _, status = os.waitpid(child, 0)
        os.close(terminal)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, processes.tail(text)
    assert "The local database keeps running" in text and "Interrupt" not in text, processes.tail(text)


def read_into(terminal: int, output: bytearray) -> bool:
    """Read what the terminal has for us into `output`; False once the other side has closed."""
    while select.select([terminal], [], [], 0.1)[0]:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: every process on the terminal has exited
            return False
        if not chunk:
            return False
        output.extend(chunk)
    return True


def procfile_process(launcher: subprocess.Popen, module: str) -> int:
    """The pid of the launcher's descendant whose command line runs `module` (or the script of that name)."""
    for pid in descendants(launcher.pid):
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(argument == module.encode() or argument.endswith(b"/" + module.encode()) for argument in arguments):
            return pid
    raise AssertionError(f"no process runs {module}")


def descendants(pid: int) -> list[int]:
    """Every descendant of `pid`, parents before children (Linux's /proc)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(status.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        children.setdefault(parent, []).append(int(status.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(0), []):
            found.append(child)
            pending.append(child)
    return found


def test_a_crashed_process_is_started_again_and_the_rest_keeps_running(database_url, tmp_path):
    port = free_port()
    log_path = tmp_path / "launcher.log"
    with log_path.open("wb") as log:
        launcher = processes.start([sys.executable, "-m", "chirp.launcher", "run"], cwd=tmp_path,
                                   env=launcher_environment(database_url, port, SUPABASE_JWT_SECRET=EXPORTED_SECRET),
                                   stdout=log, stderr=subprocess.STDOUT)
    output = lambda: log_path.read_text(errors="replace")  # noqa: E731
    try:
        wait_until(lambda: "ready: http://localhost:" in output(), START_DEADLINE_SECONDS, "the ready line")
        os.kill(procfile_process(launcher, "consumer"), signal.SIGKILL)
        wait_until(lambda: "consumer was killed by SIGKILL" in output(), 30, "the consumer's end to be logged")
        assert answers(f"http://127.0.0.1:{port}/healthz")  # web went on
        wait_until(lambda: "started consumer again" in output(), 30, "the consumer to start again")
        os.kill(procfile_process(launcher, "gunicorn"), signal.SIGKILL)
        wait_until(lambda: "web was killed by SIGKILL" in output(), 30, "web's end to be logged")
        wait_until(lambda: "started web again" in output() and answers(f"http://127.0.0.1:{port}/healthz"),
                   START_DEADLINE_SECONDS, "web to answer again")
        assert launcher.poll() is None, processes.tail(output())
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(30) == 0, processes.tail(output())
    finally:
        processes.stop(launcher)
    text = output()
    assert "The local database keeps running" in text, processes.tail(text)
    # Only the two kills are reported as processes ending: a clean stop is not.
    ended = [line for line in text.splitlines() if line.startswith("make run:") and " after " in line]
    assert len(ended) == 2 and "rc=" not in text, processes.tail(text)
    assert not answers(f"http://127.0.0.1:{port}/healthz")
