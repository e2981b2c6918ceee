"""Rate limits: one budget for writes and one for reads, per user or per address.

Both are application-wide limits (shared by every route): a user has RATE_LIMIT_WRITE for all
POST/PUT/DELETE requests together, and RATE_LIMIT_READ for GETs. Anonymous callers are counted by
client address. With RATELIMIT_STORAGE_URI unset the counters live in the database
(api/limit_storage.py), so every limit holds across all workers and web hosts; `redis://` moves
them to Redis, `memory://` keeps them per process.

Inserts of tweets, likes and follows by a user are counted by the database itself (the write
limit's trigger, which every entry point meets): those requests skip Flask-Limiter's write budget,
so their limit check costs no round trip of its own; it rides on the insert. When the storage fails,
requests go through (errors are logged, not turned into 500s).
"""

from __future__ import annotations

import flask
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address

from api import limit_storage
from api.auth import current_identity
from api.errors import ApiError
from migrations.settings import Settings

WRITE_METHODS = ["post", "put", "patch", "delete"]
READ_METHODS = ["get", "head"]
# The endpoints whose write is an insert into tweets, likes or follows: the database counts it.
DATABASE_COUNTED_ENDPOINTS = frozenset({"tweets.create_tweet", "tweets.like", "users.follow"})
# With RATELIMIT_STORAGE_URI unset: the database of DATABASE_URL, through limit_storage.
DATABASE_STORAGE_URI = "postgresql://"


def _caller_identity():
    """The verified identity, or None for a missing or invalid token (counted as anonymous)."""
    try:
        return current_identity()
    except ApiError:
        return None


def rate_limit_key() -> str:
    """The verified token's user id, else the client address."""
    identity = _caller_identity()
    if identity is not None and identity.is_user:
        return f"user:{identity.user_id}"
    return f"address:{get_remote_address()}"


def counted_by_database() -> bool:
    """Whether this request is a user's insert that the database's write limit counts."""
    if flask.request.endpoint not in DATABASE_COUNTED_ENDPOINTS:
        return False
    identity = _caller_identity()
    return identity is not None and identity.is_user


def unlimited_requests(exempt: list[flask.Blueprint]):
    """A Flask-Limiter request filter: the exempt blueprints and the inserts the database counts.

    A request filter answers before Flask-Limiter resolves any limit (about a quarter of the
    application's CPU per request, measured with cProfile), where `exempt_when` would answer after.
    """
    exempt_names = frozenset(blueprint.name for blueprint in exempt)

    def unlimited() -> bool:
        """Whether Flask-Limiter has nothing to count for this request."""
        return flask.request.blueprint in exempt_names or counted_by_database()

    return unlimited


def drop_stray_retry_after(response: flask.Response) -> flask.Response:
    """Flask-Limiter sends Retry-After on every response; only 429 and 503 mean "retry later"."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def storage(settings: Settings) -> tuple[str, dict]:
    """The storage URI and its options: the settings' URI, else the database itself."""
    if settings.ratelimit_storage_uri:
        return settings.ratelimit_storage_uri, {}
    return DATABASE_STORAGE_URI, {"conninfo": settings.database_url, "pool_size": settings.web_threads,
                                  "prepared_statements": settings.prepared_statements}


def init_app(app: flask.Flask, settings: Settings, exempt: list[flask.Blueprint]) -> Limiter:
    """Attach the limiter to `app`; the `exempt` blueprints (probes, metrics) are never limited."""
    storage_uri, storage_options = storage(settings)
    limiter = Limiter(
        rate_limit_key,
        application_limits=[
            ApplicationLimit(limit_provider=settings.rate_limit_write, scope="write", methods=WRITE_METHODS),
            ApplicationLimit(limit_provider=settings.rate_limit_read, scope="read", methods=READ_METHODS),
        ],
        storage_uri=storage_uri,
        storage_options=storage_options,
        key_prefix=settings.ratelimit_key_prefix,
        strategy="fixed-window",
        headers_enabled=True,
        swallow_errors=True,
    )
    for blueprint in exempt:
        limiter.exempt(blueprint)
    limiter.request_filter(unlimited_requests(exempt))
    # Registered first, so Flask runs it after the limiter has added its headers.
    app.after_request(drop_stray_retry_after)
    limiter.init_app(app)
    app.extensions["rate_limit_storage"] = limiter.storage
    return limiter


def close(app: flask.Flask) -> None:
    """Close the database storage's pool, if that is the storage (tests)."""
    storage_in_use = app.extensions.get("rate_limit_storage")
    if isinstance(storage_in_use, limit_storage.DatabaseStorage):
        storage_in_use.close()
