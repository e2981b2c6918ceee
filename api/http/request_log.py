"""One log line per request (chirp.logs' JSON format), tied to a request id that the response echoes in
`X-Request-Id`."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

import flask

from chirp import logs

# A client's own request id is kept when it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Which loggers write JSON lines, from which level: requests and errors of ours, and psycopg's
# pool, which reports lost and refused connections.
LOGGED = {"api": logging.INFO, "psycopg": logging.WARNING}

logger = logging.getLogger("api.requests")


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
    logger.info("request", extra={
        "request_id": request_id,
        "method": flask.request.method,
        "path": flask.request.path,
        "route": flask.request.url_rule.rule if flask.request.url_rule else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "user_id": str(identity.user_id) if identity is not None and identity.is_user else None,
        "remote_addr": flask.request.remote_addr,
        "pid": os.getpid(),
    })
    return response


def init_app(app: flask.Flask) -> None:
    """Log each request of `app`, and the API's and psycopg's own records, as JSON lines on stderr."""
    logs.configure(LOGGED)
    app.before_request(start_request)
    app.after_request(finish_request)
