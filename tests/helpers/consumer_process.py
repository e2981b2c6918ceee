"""Run the real `python -m consumer` as a subprocess against a test database, and wait on conditions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.helpers import processes

REPOSITORY = Path(__file__).resolve().parents[2]
# Fast enough for tests: a crashed consumer's messages come back after 2 s, retries after 1 s.
TEST_ENVIRONMENT = {
    "CONSUMER_VT_SECONDS": "2",
    "CONSUMER_BACKOFF_BASE_SECONDS": "1",
    "CONSUMER_BACKOFF_CAP_SECONDS": "1",
    "CONSUMER_MAX_ATTEMPTS": "3",
}


class ConsumerProcess:
    """A running `python -m consumer`, its output kept in a file (a pipe could fill and block it)."""

    def __init__(self, database_url: str, arguments: tuple[str, ...] = (), **environment: str):
        self.output = tempfile.NamedTemporaryFile(prefix="consumer-", suffix=".log", delete=False)
        variables = {**os.environ, **TEST_ENVIRONMENT, **environment, "DATABASE_URL": database_url}
        self.process = processes.start(
            [sys.executable, "-m", "consumer", *arguments],
            cwd=REPOSITORY, env=variables, stdout=self.output, stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        """Everything the process wrote so far."""
        return Path(self.output.name).read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout_seconds: float = 15) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_seconds)

    def kill(self) -> None:
        """SIGKILL: the process dies at whatever instant it was in."""
        self.process.kill()
        self.process.wait(10)

    def close(self) -> None:
        """End the process's whole group, at once, and remove its log file."""
        processes.stop(self.process, grace_seconds=0)
        self.output.close()
        Path(self.output.name).unlink(missing_ok=True)


def run_command(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    """Run `python -m consumer ARGUMENTS...` to completion, capturing its output."""
    variables = {**os.environ, **TEST_ENVIRONMENT, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "consumer", *arguments],
        cwd=REPOSITORY, env=variables, capture_output=True, text=True, timeout=60,
    )
