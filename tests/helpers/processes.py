"""Processes a test starts: each in a process group of its own, ended with its whole group.

A test that fails half-way must not leave a gunicorn listening or a consumer reconnecting to a
dropped database: `start()` puts the command in a new session (so its group is its own, not
pytest's), `stop()` signals that group and every group its descendants made (honcho starts each
Procfile process in a session of its own), and the session-wide `stop_all()` ends whatever a
fixture's own cleanup did not reach.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

STOP_DEADLINE_SECONDS = 10.0
# How much of a log an assertion message shows: the end, where the error is.
LOG_TAIL_LINES = 30

_started: list[subprocess.Popen] = []


def start(command: list[str], **options) -> subprocess.Popen:
    """`subprocess.Popen(command, **options)` in a session of its own, remembered for `stop_all()`."""
    process = subprocess.Popen(command, start_new_session=True, **options)
    _started.append(process)
    return process


def descendant_groups(pid: int) -> set[int]:
    """The process groups of `pid`'s descendants (Linux's /proc; empty elsewhere)."""
    parents: dict[int, list[tuple[int, int]]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        child = int(status.parent.name)
        parents.setdefault(int(fields[1]), []).append((child, int(fields[2])))
    groups, pending = set(), [pid]
    while pending:
        for child, group in parents.get(pending.pop(), []):
            groups.add(group)
            pending.append(child)
    return groups


def signal_groups(groups: set[int], signal_number: int) -> None:
    """Send `signal_number` to each group that still exists."""
    for group in groups:
        try:
            os.killpg(group, signal_number)
        except (ProcessLookupError, PermissionError):
            pass


def stop(process: subprocess.Popen, grace_seconds: float = STOP_DEADLINE_SECONDS) -> int | None:
    """SIGTERM the process's group and its descendants' groups, SIGKILL what is left after
    `grace_seconds` (at once when 0); returns the exit status (None if it could not be reaped)."""
    groups = {process.pid} | descendant_groups(process.pid)
    if process.poll() is None and grace_seconds > 0:
        signal_groups(groups, signal.SIGTERM)
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            pass
    # Whatever survived, the leader or a grandchild in a group of its own, ends now.
    signal_groups(groups | descendant_groups(process.pid), signal.SIGKILL)
    try:
        return process.wait(STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if process in _started:
            _started.remove(process)


def stop_all() -> None:
    """Stop every process started here that no fixture stopped (called at the session's end)."""
    for process in list(_started):
        stop(process, grace_seconds=2.0)


def tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log, for an assertion message short enough to read."""
    kept = text.splitlines()[-lines:]
    return "\n".join(kept)
