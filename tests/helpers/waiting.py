"""Waiting in tests: on a condition with a deadline (never a bare sleep), and for a free port."""

from __future__ import annotations

import socket
import time
from typing import Callable, TypeVar

POLL_INTERVAL_SECONDS = 0.05
Result = TypeVar("Result")


def wait_until(condition: Callable[[], Result], deadline_seconds: float, what: str) -> Result:
    """Poll `condition` until it returns something truthy, failing with `what` after the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_seconds} s waiting for {what}")
        time.sleep(POLL_INTERVAL_SECONDS)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
