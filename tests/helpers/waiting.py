"""Waiting in tests: on a condition with a deadline (never a bare sleep), and for a free port."""

from __future__ import annotations

import socket
import time
from typing import Callable, TypeVar

import requests

POLL_INTERVAL_SECONDS = 0.05
Result = TypeVar("Result")
# A server that is starting, or a machine that is busy, may refuse, reset or time out a request:
# that means "not yet", until the deadline says otherwise.
NOT_YET_ERRORS = (requests.RequestException,)


def wait_until(condition: Callable[[], Result], deadline_seconds: float, what: str,
               not_yet: tuple[type[BaseException], ...] = NOT_YET_ERRORS) -> Result:
    """Poll `condition` until it returns something truthy, failing with `what` after the deadline.

    An exception of a `not_yet` type counts as a false answer; the last one is named on failure.
    """
    deadline = time.monotonic() + deadline_seconds
    last_error: BaseException | None = None
    while True:
        try:
            result = condition()
        except not_yet as error:
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() > deadline:
            because = f" (last error: {type(last_error).__name__}: {last_error})" if last_error else ""
            raise AssertionError(f"timed out after {deadline_seconds} s waiting for {what}{because}")
        time.sleep(POLL_INTERVAL_SECONDS)


def answers(url: str, status: int = 200, timeout_seconds: float = 5.0) -> bool:
    """Whether GET `url` answers `status` now; any request error is a no (for `wait_until`)."""
    try:
        return requests.get(url, timeout=timeout_seconds).status_code == status
    except requests.RequestException:
        return False


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
