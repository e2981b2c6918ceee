"""Rate limits with Flask-Limiter: one budget for writes and one for reads, per user or per address.

Both are application-wide limits (shared by every route): a user has RATE_LIMIT_WRITE for all
POST/PUT/DELETE requests together. Anonymous callers are counted by client address. Across
gunicorn workers a limit holds only with a shared storage (`RATELIMIT_STORAGE_URI=redis://...`).
When that storage fails, requests go through (errors are logged, not turned into 500s).
"""

from __future__ import annotations

import flask
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address

from api.auth import current_identity
from api.errors import ApiError
from migrations.settings import Settings

WRITE_METHODS = ["post", "put", "patch", "delete"]
READ_METHODS = ["get", "head"]


def rate_limit_key() -> str:
    """The verified token's user id, else the client address (an invalid token counts as anonymous)."""
    try:
        identity = current_identity()
    except ApiError:
        identity = None
    if identity is not None and identity.is_user:
        return f"user:{identity.user_id}"
    return f"address:{get_remote_address()}"


def drop_stray_retry_after(response: flask.Response) -> flask.Response:
    """Flask-Limiter sends Retry-After on every response; only 429 and 503 mean "retry later"."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: flask.Flask, settings: Settings, exempt: list[flask.Blueprint]) -> Limiter:
    """Attach the limiter to `app`; the `exempt` blueprints (probes, metrics) are never limited."""
    limiter = Limiter(
        rate_limit_key,
        application_limits=[
            ApplicationLimit(limit_provider=settings.rate_limit_write, scope="write", methods=WRITE_METHODS),
            ApplicationLimit(limit_provider=settings.rate_limit_read, scope="read", methods=READ_METHODS),
        ],
        storage_uri=settings.ratelimit_storage_uri,
        key_prefix=settings.ratelimit_key_prefix,
        strategy="fixed-window",
        headers_enabled=True,
        swallow_errors=True,
    )
    for blueprint in exempt:
        limiter.exempt(blueprint)
    # Registered first, so Flask runs it after the limiter has added its headers.
    app.after_request(drop_stray_retry_after)
    limiter.init_app(app)
    return limiter
