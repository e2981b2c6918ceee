"""One logging setup and one JSON line format for every process (web, consumer, migrations).

One convention: a short fixed message and its fields in `extra=`, so lines can be searched by
field (`logger.warning("message failed, will retry", extra={"msg_id": ...})`). Each line is one JSON
object: `time` (ISO 8601, UTC), `level` (lower case), `logger`, `message`, then the fields.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

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


def configure(levels: dict[str, int]) -> None:
    """Write the records of each named logger, from its level on, as JSON lines on stderr.

    The named loggers do not propagate: a host's own root logger (pytest's, gunicorn's) keeps its
    format, and a second call (a second app in one process) adds no second handler.
    """
    for name, level in levels.items():
        configured = logging.getLogger(name)
        if not any(isinstance(handler.formatter, JsonFormatter) for handler in configured.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(JsonFormatter())
            configured.addHandler(handler)
        configured.setLevel(level)
        configured.propagate = False
