"""Gunicorn's own refusals as problem+json, like every other refusal of the API.

Gunicorn answers some requests before the application sees them: a request line over
`limit_request_line` (414), too many or too large header fields (431), a malformed request line,
method, version, header or chunk (400). It writes those with `gunicorn.util.write_error`, an HTML
page. `install()` (called from api.server.gunicorn_config, so in the master before it forks workers, for
every worker class) replaces that one function with one that writes an RFC 9457 body instead.
"""

from __future__ import annotations

import json

PROBLEM_TYPE_BASE = "https://chirp.example/problems/"


def problem_bytes(status: int, reason: str, detail: str) -> bytes:
    """The whole HTTP/1.1 response: status line, headers, and the problem+json body."""
    slug = reason.lower().replace(" ", "-")
    body = json.dumps({"type": PROBLEM_TYPE_BASE + slug, "title": reason, "status": status,
                       "detail": detail[:500]}).encode("ascii")
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for `gunicorn.util.write_error(sock, status_int, reason, mesg)`."""
    from gunicorn import util

    util.write_nonblock(sock, problem_bytes(status_int, reason, str(mesg)))


def install() -> None:
    """Make gunicorn write its refusals as problem+json."""
    from gunicorn import util

    util.write_error = write_problem
