"""The JSON log lines (chirp.logs): a process never waits for its stderr to be read, under gevent's
monkey patching too, and loses none of its lines when it exits."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
# Far more than a pipe holds (64 KiB on Linux): synchronous writes would block on the third line in a thousand.
LINES = 20_000
LOGGED_DEADLINE_SECONDS = 30.0
# Logs LINES lines, says "logged" on stdout, and exits at once: what is still queued is written at exit.
PROGRAM = """
import sys
if sys.argv[1] == "gevent":
    from gevent import monkey
    monkey.patch_all()
import logging
from chirp import logs
logs.configure({"chirp.test": logging.INFO})
logger = logging.getLogger("chirp.test")
for number in range(int(sys.argv[2])):
    logger.info("line", extra={"number": number, "padding": "x" * 100})
print("logged", flush=True)
"""


def read_stdout_line(process: subprocess.Popen, deadline_seconds: float) -> str:
    """The child's first line on stdout, or "" if none came in time (nobody reads its stderr meanwhile)."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(deadline_seconds):
            return ""
    return process.stdout.readline().decode()


@pytest.mark.parametrize("patching", ["plain", "gevent"])
def test_logging_never_waits_for_stderr_and_every_line_is_written_at_exit(patching):
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, patching, str(LINES)], cwd=REPOSITORY,
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Its stderr is a full pipe nobody reads yet: logging still returns.
        assert read_stdout_line(process, LOGGED_DEADLINE_SECONDS) == "logged\n"
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, errors[-2000:]
    lines = [json.loads(line) for line in errors.decode().splitlines()]
    assert [line["number"] for line in lines] == list(range(LINES))
    assert {line["logger"] for line in lines} == {"chirp.test"} and lines[-1]["message"] == "line"
