"""`make run`'s launcher (`python -m migrations.launcher run`): secrets into `.env`, a busy port
explained, a "ready" line, and a stop on SIGTERM with status 0 that says the database keeps running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.helpers import processes
from tests.helpers.waiting import answers, free_port, wait_until

REPOSITORY = Path(__file__).resolve().parents[1]
START_DEADLINE_SECONDS = 90


def launcher_environment(database_url: str, port: int) -> dict[str, str]:
    """The launcher's environment: this test's database and port, no secret (the .env has them)."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("SUPABASE_JWT_SECRET", "LOCAL_DATABASE_PASSWORD", "PROMETHEUS_MULTIPROC_DIR")}
    return {**environment, "DATABASE_URL": database_url, "PORT": str(port), "PYTHONPATH": str(REPOSITORY)}


def test_run_says_ready_and_stops_with_status_0_on_sigterm(database_url, tmp_path):
    port = free_port()
    log_path = tmp_path / "launcher.log"
    with log_path.open("wb") as log:
        launcher = processes.start([sys.executable, "-m", "migrations.launcher", "run"], cwd=tmp_path,
                                   env=launcher_environment(database_url, port), stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "ready: open http://localhost:" in log_path.read_text(errors="replace"),
                   START_DEADLINE_SECONDS, "the ready line")
        assert answers(f"http://127.0.0.1:{port}/healthz")
        env_file = (tmp_path / ".env").read_text()
        assert "SUPABASE_JWT_SECRET=" in env_file and "LOCAL_DATABASE_PASSWORD=" in env_file
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
        result = subprocess.run([sys.executable, "-m", "migrations.launcher", "run"], cwd=tmp_path,
                                env=launcher_environment(database_url, port), capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert f"port {port} is in use: another `make run` may be going" in line
    assert f"PORT={port + 1} make run" in line
