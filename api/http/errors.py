"""One error hierarchy for the API and the one handler that renders it as RFC 9457 problem+json."""

from __future__ import annotations

import json
import logging

import flask
import psycopg
import psycopg_pool
from flask_limiter.errors import RateLimitExceeded
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException

from chirp.pools import PoolBusy

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://chirp.example/problems/"
DATABASE_RETRY_AFTER_SECONDS = 2
# The 503 of a process whose connections were all in use for as long as a request may wait.
# What psycopg's prepared statements meet behind a transaction-mode pooler (SQLSTATE 26000, 42P05).
PREPARED_STATEMENT_ERRORS = (psycopg.errors.InvalidSqlStatementName, psycopg.errors.DuplicatePreparedStatement)
MISCONFIGURED = "the database connection is misconfigured; retry later"
BUSY_DETAIL = "this process is too busy to take a database connection in time; retry shortly"

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with its HTTP status, a short title and a detail for the client."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(self, detail: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}


class BadRequest(ApiError):
    """Malformed JSON, query parameters or headers."""

    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(ApiError):
    """No token where one is needed, or a token that does not verify."""

    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None):
        super().__init__(detail, {"WWW-Authenticate": 'Bearer realm="chirp"'})


class Forbidden(ApiError):
    """A known caller asking for what is not theirs."""

    status, title, slug = 403, "Forbidden", "forbidden"


class AnonymousForbidden(Forbidden):
    """A valid anon-role token asked for what only a signed-in user may do (RFC 6750 scope)."""

    def __init__(self, detail: str = "sign in as a user to do this"):
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="chirp", error="insufficient_scope"'}


class NotFound(ApiError):
    """No such tweet or user."""

    status, title, slug = 404, "Not Found", "not-found"


class Conflict(ApiError):
    """The request contradicts existing data (a taken username)."""

    status, title, slug = 409, "Conflict", "conflict"


class UnsupportedMediaType(ApiError):
    """A body that is not declared as JSON."""

    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class UnprocessableContent(ApiError):
    """Well-formed JSON with invalid content or fields."""

    status, title, slug = 422, "Unprocessable Content", "unprocessable-content"


class TooManyRequests(ApiError):
    """A rate limit is spent: the database's write limit (SQLSTATE PT429) refused an insert."""

    status, title, slug = 429, "Too Many Requests", "too-many-requests"


# The write limit's trigger (migrations/*_write_limits.sql) raises this, as PostgREST expects.
WRITE_LIMIT_SQLSTATE = "PT429"


def write_limit_refusal(error: Exception) -> TooManyRequests | None:
    """The 429 for a database write-limit refusal, with the numbers its DETAIL carries; else None."""
    if not isinstance(error, psycopg.Error) or error.sqlstate != WRITE_LIMIT_SQLSTATE:
        return None
    numbers = json.loads(error.diag.message_detail or "{}")
    headers = {
        "Retry-After": str(numbers.get("retry_after", 1)),
        "X-RateLimit-Limit": str(numbers.get("limit", 0)),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(numbers.get("reset", 0)),
    }
    return TooManyRequests(error.diag.message_primary, headers)


# Refusals the database explains itself, in PostgREST's convention (SQLSTATE PTxyz is HTTP xyz): a
# follow, like, repost, reply or quote across a block and any write of a suspended user (PT403), a
# report naming a tweet that is not the reported user's (PT422). The message says why.
DATABASE_STATUS_REFUSALS = {"PT403": Forbidden, "PT404": NotFound, "PT422": UnprocessableContent}


def database_status_refusal(error: Exception) -> ApiError | None:
    """The API error for a database refusal raised with a PTxyz SQLSTATE and its message; else None."""
    if not isinstance(error, psycopg.Error):
        return None
    refusal = DATABASE_STATUS_REFUSALS.get(error.sqlstate or "")
    return None if refusal is None else refusal(error.diag.message_primary)


class ServiceUnavailable(ApiError):
    """The database cannot be reached, or no connection is free, within the pool's bounded wait."""

    status, title, slug = 503, "Service Unavailable", "service-unavailable"

    def __init__(self, detail: str = "the database is unavailable; retry shortly"):
        super().__init__(detail, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def problem_response(status: int, title: str, slug: str, detail: str) -> flask.Response:
    """A problem+json response (RFC 9457) with the four standard members."""
    body = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    response = flask.current_app.json.response(body)
    response.status_code = status
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def render_api_error(error: ApiError) -> flask.Response:
    """Render one of ours, with its headers."""
    response = problem_response(error.status, error.title, error.slug, error.detail)
    response.headers.update(error.headers)
    return response


# Supabase's client libraries send `supabase.from(...)` to PostgREST under /rest/v1 of the URL they
# were given: pointed at this server, they are told why nothing is there and what to use instead.
POSTGREST_PREFIX = "/rest/v1"
NO_POSTGREST = (
    "there is no PostgREST here: /rest/v1 (supabase.from(...), supabase.rpc(...)) is not served. "
    "chirp's API is its own: its endpoints (GET /tweets, POST /tweets, GET /timeline, ...) are "
    "described at /openapi.json (supabase.auth works here with the local sign-in)"
)


def _asks_for_postgrest() -> bool:
    """Whether the request is for PostgREST's path on this server."""
    path = flask.request.path
    return path == POSTGREST_PREFIX or path.startswith(POSTGREST_PREFIX + "/")


def render_http_exception(error: HTTPException) -> flask.Response:
    """Render Werkzeug's own (unknown route, wrong method, body too large, rate limited)."""
    status = error.code or 500
    if isinstance(error, RateLimitExceeded):
        detail = f"rate limit of {error.description} exceeded"
    elif status == 404 and _asks_for_postgrest():
        detail = NO_POSTGREST
    else:
        detail = error.description or error.name
    slug = error.name.lower().replace(" ", "-")
    response = problem_response(status, error.name, slug, detail)
    # 405 carries Allow; Flask-Limiter adds its headers in after_request.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# Database refusals that no endpoint mapped itself: still the client's doing, never a 500.
DATABASE_REFUSALS = (
    (psycopg.errors.InsufficientPrivilege, Forbidden, "the database refused this for your role"),
    (psycopg.errors.DataError, UnprocessableContent, "a value is out of range or malformed"),
    (psycopg.errors.IntegrityError, Conflict, "this conflicts with existing data"),
)


def unavailable_refusal(error: Exception) -> ServiceUnavailable | None:
    """The 503 for an unreachable database or rate-limit storage, or a busy process; else None.

    A rate-limit storage that fails (wrapped as limits' StorageError) refuses the request: a limit
    that cannot be counted in time must not wave requests through.
    """
    if isinstance(error, StorageError):
        error = error.storage_error
        if isinstance(error, PREPARED_STATEMENT_ERRORS):
            # The limiter's connections meet a transaction-mode pooler before any view does: the
            # same operator's mistake, said the same way (api.caller.pooler logs which setting).
            return ServiceUnavailable(MISCONFIGURED)
        if not isinstance(error, (psycopg.Error, psycopg_pool.PoolTimeout)):
            logger.warning("rate-limit storage unavailable", extra={"error": str(error)})
            return ServiceUnavailable("the rate-limit storage is unavailable; retry shortly")
    if isinstance(error, PoolBusy):
        logger.warning("too busy", extra={"error": str(error)})
        return ServiceUnavailable(BUSY_DETAIL)
    if isinstance(error, (psycopg.OperationalError, psycopg_pool.PoolTimeout)):
        logger.warning("database unavailable", extra={"error": str(error)})
        return ServiceUnavailable()
    return None


def render_unexpected(error: Exception) -> flask.Response:
    """Unreachable database: 503; database refusals: 4xx; anything else is logged and answers 500."""
    refusal = write_limit_refusal(error) or database_status_refusal(error) or unavailable_refusal(error)
    if refusal is not None:
        return render_api_error(refusal)
    for database_error, api_error, detail in DATABASE_REFUSALS:
        if isinstance(error, database_error):
            logger.warning("unmapped database refusal", extra={"error": str(error)})
            return render_api_error(api_error(detail))
    logger.exception("unhandled error")
    return problem_response(500, "Internal Server Error", "internal", "an unexpected error occurred")


def init_app(app: flask.Flask) -> None:
    """Register the one handler family on `app`."""
    app.register_error_handler(ApiError, render_api_error)
    app.register_error_handler(HTTPException, render_http_exception)
    app.register_error_handler(Exception, render_unexpected)
