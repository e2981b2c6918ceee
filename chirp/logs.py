"""One logging setup and one JSON line format for every process (web, consumer, migrations).

One convention: a short fixed message and its fields in `extra=`, so lines can be searched by
field (`logger.warning("message failed, will retry", extra={"msg_id": ...})`). Each line is one JSON
object: `time` (ISO 8601, UTC), `level` (lower case), `logger`, `message`, then the fields.

Logging never waits for stderr: the caller formats its line and puts it on a queue
(`logging.handlers.QueueHandler`), and a thread of the process's own writes the queue to stderr
(`Listener`). A web worker's event loop would otherwise stop for every line the reader of its
pipe (honcho, a container runtime) is slow to take. The thread is a real one even under gevent's
monkey patching, and the process writes what is queued before it exits.
"""

from __future__ import annotations

import _thread
import atexit
import json
import logging
import logging.handlers
import os
import queue
import sys
import time
from datetime import datetime, timezone

# At exit, how long to wait for the lines still queued to reach stderr (a reader that takes none
# must not hold the process forever).
FLUSH_AT_EXIT_SECONDS = 5.0
# A line waits at most about this long to be written, with the others that came meanwhile.
BATCH_SECONDS = 0.05

# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the line.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Render a record as one line of JSON: time, level, logger, message, and the `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's line."""
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: value for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def _unpatched(module: str, name: str, default):
    """The standard library's own `module.name`, also where gevent's monkey patching replaced it."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey.get_original(module, name) if monkey is not None else default


class LineQueueHandler(logging.handlers.QueueHandler):
    """Formats the record where it is logged and queues its line (a string: nothing to copy)."""

    def prepare(self, record: logging.LogRecord) -> str:
        """The record's line, as this handler's formatter writes it."""
        return self.format(record)


class Listener(logging.handlers.QueueListener):
    """Writes the queued lines to stderr from an operating-system thread, patched by gevent or not.

    gevent turns `threading.Thread` into a greenlet, whose blocking write would still stop the
    event loop; so the thread, its queue, its pause and its "finished" lock are the unpatched ones.
    Woken by a line, the thread pauses BATCH_SECONDS, then writes every line waiting in one write:
    at most a few turns a second however busy the process, each costing the event loop a hand-over
    of the interpreter lock (a turn per line cost more than the write it spared).
    """

    def __init__(self):
        super().__init__(_unpatched("queue", "SimpleQueue", queue.SimpleQueue)())
        self.stream = sys.stderr
        self._finished = _unpatched("_thread", "allocate_lock", _thread.allocate_lock)()
        self._pause = _unpatched("time", "sleep", time.sleep)

    def start(self) -> None:
        """Start the writing thread."""
        self._finished.acquire()
        _unpatched("_thread", "start_new_thread", _thread.start_new_thread)(self._write_until_stopped, ())

    def _write_until_stopped(self) -> None:
        """Write what is queued, as it comes, until the sentinel; then let `stop` return."""
        try:
            stopped = False
            while not stopped:
                lines = [self.queue.get()]
                if lines[0] is not self._sentinel:
                    self._pause(BATCH_SECONDS)
                while True:
                    try:
                        lines.append(self.queue.get_nowait())
                    except queue.Empty:
                        break
                stopped = self._sentinel in lines
                self._write([line for line in lines if line is not self._sentinel])
        finally:
            self._finished.release()

    def _write(self, lines: list[str]) -> None:
        """One write of `lines`; a stream that is closed or gone loses them (nowhere else to say so)."""
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass

    def stop(self, timeout_seconds: float = FLUSH_AT_EXIT_SECONDS) -> None:
        """Write every line queued so far, then end the thread; safe to call twice."""
        if self._finished.locked():
            self.enqueue_sentinel()
            if self._finished.acquire(timeout=timeout_seconds):
                self._finished.release()


# This process's listener, started by the first `configure`.
_listener: Listener | None = None


def _start_listener() -> Listener:
    """Start this process's listener, once."""
    global _listener
    if _listener is None:
        _listener = Listener()
        _listener.start()
    return _listener


def _stop_listener() -> None:
    """Write what is left before the process exits (atexit runs before `logging.shutdown`, registered earlier)."""
    if _listener is not None:
        _listener.stop()


atexit.register(_stop_listener)


def _restart_in_child() -> None:
    """After a fork: the parent's thread is not in the child, nor are its queued lines the child's."""
    global _listener
    if _listener is not None:
        parent_queue = _listener.queue
        _listener = None
        child_queue = _start_listener().queue
        for configured in list(logging.root.manager.loggerDict.values()):
            for handler in getattr(configured, "handlers", ()):  # not a logging.PlaceHolder's
                if isinstance(handler, LineQueueHandler) and handler.queue is parent_queue:
                    handler.queue = child_queue


os.register_at_fork(after_in_child=_restart_in_child)


def configure(levels: dict[str, int]) -> None:
    """Write the records of each named logger, from its level on, as JSON lines on stderr.

    The line is formatted by the caller and written by this process's listener thread. The named
    loggers do not propagate: a host's own root logger (pytest's, gunicorn's) keeps its format, and
    a second call (a second app in one process) adds no second handler.
    """
    listener = _start_listener()
    for name, level in levels.items():
        configured = logging.getLogger(name)
        if not any(isinstance(handler.formatter, JsonFormatter) for handler in configured.handlers):
            handler = LineQueueHandler(listener.queue)
            handler.setFormatter(JsonFormatter())
            configured.addHandler(handler)
        configured.setLevel(level)
        configured.propagate = False

