"""Rate limits: one budget for writes and one for reads, per user or per address.

Both are application-wide limits (shared by every route): a user has RATE_LIMIT_WRITE for all
POST/PUT/DELETE requests together, and RATE_LIMIT_READ for GETs. Anonymous callers are counted by
client address. With RATELIMIT_STORAGE_URI unset the counters live in the database
(api/limit_storage.py), so every limit holds across all workers and web hosts; `redis://` moves
them to Redis, `memory://` keeps them per process.

Every write counts against RATE_LIMIT_WRITE here, tweets, likes and follows included; the database
also holds its own write limit on those inserts (its trigger, which every entry point meets). A
route marked `api.limits.unlimited` (probes, metrics, the web client's files) is never counted.
"""

from __future__ import annotations

import flask
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from limits.errors import StorageError

from api.caller.tokens import current_identity
from api.http.errors import ApiError
from api.limits import is_unlimited
from api.limits import storage as limit_storage
from chirp.settings import Settings

WRITE_METHODS = ["post", "put", "patch", "delete"]
READ_METHODS = ["get", "head"]
# With RATELIMIT_STORAGE_URI unset: the database of DATABASE_URL, through limit_storage.
DATABASE_STORAGE_URI = "postgresql://"
# How long a limit check waits for Redis before the request is refused with 503.
STORAGE_WAIT_SECONDS = 1.0
# Where init_app keeps the limiter's storage in `app.extensions`, for `close`.
STORAGE_EXTENSION = "rate_limit_storage"


class FixedApplicationLimit(ApplicationLimit):
    """An application-wide limit whose value is fixed for the process: parsed once, not on every request.

    Flask-Limiter parses an ApplicationLimit's string and builds its RuntimeLimit objects again for
    every request it checks (a limit given as a callable may change); ours are read from the settings
    once. The RuntimeLimits are made at the first request, after `Limiter.init_app` has bound this
    limit to the limiter whose key function they carry.
    """

    def __iter__(self):
        """The RuntimeLimits of this limit's value, made once."""
        runtime_limits = self.__dict__.get("runtime_limits")
        if runtime_limits is None:
            runtime_limits = self.__dict__["runtime_limits"] = tuple(super().__iter__())
        return iter(runtime_limits)


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


def unlimited_request() -> bool:
    """A Flask-Limiter request filter: whether the route was marked `unlimited` where it is declared.

    A request filter answers before Flask-Limiter resolves any limit (about a quarter of the
    application's CPU per request, measured with cProfile), where `exempt_when` would answer after.
    """
    app = flask.current_app
    return (is_unlimited(app.blueprints.get(flask.request.blueprint or ""))
            or is_unlimited(app.view_functions.get(flask.request.endpoint or "")))


def drop_stray_retry_after(response: flask.Response) -> flask.Response:
    """Flask-Limiter sends Retry-After on every response; only 429 and 503 mean "retry later"."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def storage(settings: Settings) -> tuple[str, dict]:
    """The storage URI and its options: the settings' URI, else the database itself.

    Every storage wraps its failures in limits' StorageError (the API answers 503), and Redis waits
    for at most STORAGE_WAIT_SECONDS: a limit that cannot be counted in time refuses the request.
    """
    uri = settings.ratelimit_storage_uri
    if uri is None:
        return DATABASE_STORAGE_URI, {"wrap_exceptions": True, "conninfo": settings.database_url,
                                      "pool_size": settings.web_threads,
                                      "prepared_statements": settings.prepared_statements}
    if uri.startswith(("redis://", "rediss://")):
        return uri, {"wrap_exceptions": True, "socket_timeout": STORAGE_WAIT_SECONDS,
                     "socket_connect_timeout": STORAGE_WAIT_SECONDS}
    return uri, {"wrap_exceptions": True}


def init_app(app: flask.Flask, settings: Settings) -> Limiter:
    """Attach the limiter to `app`; routes marked `unlimited` are never counted."""
    storage_uri, storage_options = storage(settings)
    limiter = Limiter(
        rate_limit_key,
        application_limits=[
            FixedApplicationLimit(limit_provider=settings.rate_limit_write, scope="write", methods=WRITE_METHODS),
            FixedApplicationLimit(limit_provider=settings.rate_limit_read, scope="read", methods=READ_METHODS),
        ],
        storage_uri=storage_uri,
        storage_options=storage_options,
        key_prefix=settings.ratelimit_key_prefix,
        strategy="fixed-window",
        headers_enabled=True,
        # A storage that fails or is slow refuses the request (503): swallowing its errors would
        # let every request through uncounted exactly when the process is under load.
        swallow_errors=False,
    )
    limiter.request_filter(unlimited_request)
    # Registered first, so Flask runs it after the limiter has added its headers.
    app.after_request(drop_stray_retry_after)
    limiter.init_app(app)
    app.extensions[STORAGE_EXTENSION] = limiter.storage
    return limiter


def storage_answers(app: flask.Flask) -> bool:
    """Whether the limiter's storage answers now (`memory://` always does)."""
    storage_in_use = app.extensions.get(STORAGE_EXTENSION)
    if storage_in_use is None:
        return True
    try:
        return bool(storage_in_use.check())
    except StorageError:
        return False


def close(app: flask.Flask) -> None:
    """Close the database storage's pool, if that is the storage (tests)."""
    storage_in_use = app.extensions.get(STORAGE_EXTENSION)
    if isinstance(storage_in_use, limit_storage.DatabaseStorage):
        storage_in_use.close()
