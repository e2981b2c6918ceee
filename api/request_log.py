"""One JSON log line per request, tied to a request id that the response echoes in `X-Request-Id`."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

import flask

# A client's own request id is kept when it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

logger = logging.getLogger("api.requests")


class JsonLineFormatter(logging.Formatter):
    """A record as one JSON object: the message is already a dict of fields."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record.msg if isinstance(record.msg, dict) else {"message": record.getMessage()}
        return json.dumps({"time": self.formatTime(record), "level": record.levelname, **fields})


def start_request() -> None:
    """Note when the request began and which id it goes by."""
    flask.g.request_started = time.perf_counter()
    offered = flask.request.headers.get("X-Request-Id", "")
    flask.g.request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def finish_request(response: flask.Response) -> flask.Response:
    """Echo the request id and log the request's line."""
    request_id = flask.g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    started = flask.g.get("request_started", time.perf_counter())
    identity = flask.g.get("identity")
    logger.info({
        "request_id": request_id,
        "method": flask.request.method,
        "path": flask.request.path,
        "route": flask.request.url_rule.rule if flask.request.url_rule else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "user_id": str(identity.user_id) if identity is not None and identity.is_user else None,
        "remote_addr": flask.request.remote_addr,
    })
    return response


def init_app(app: flask.Flask) -> None:
    """Log each request of `app` to standard error, one JSON object per line."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app.before_request(start_request)
    app.after_request(finish_request)
