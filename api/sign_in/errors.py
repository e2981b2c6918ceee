"""Supabase Auth's error shapes, for the local sign-in (`api.sign_in.endpoints`).

Supabase Auth answers `{"code": 400, "error_code": ..., "msg": ...}`, or, to clients that send
`X-Supabase-Api-Version: 2024-01-01` (supabase-js and `supabase_auth` do), `{"code": <error_code>,
"message": ...}` with that header echoed; a weak password adds `{"weak_password": {"reasons": [...]}}`.
Everything refused under /auth/v1, rate limits and an unreachable database included, takes that shape.
"""

from __future__ import annotations

import datetime

import flask
from werkzeug.exceptions import HTTPException

from api.http.errors import ApiError

API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024_01_01 = datetime.date(2024, 1, 1)


class AuthError(Exception):
    """A refusal in Supabase Auth's terms: HTTP status, error code, message."""

    def __init__(self, status: int, error_code: str, message: str, reasons: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
        self.reasons = reasons
        self.headers = headers or {}


def _api_version_2024() -> bool:
    """Whether the client asked for the 2024-01-01 error shape (an unparsable date means no)."""
    try:
        requested = datetime.date.fromisoformat(flask.request.headers.get(API_VERSION_HEADER, ""))
    except ValueError:
        return False
    return requested >= API_VERSION_2024_01_01


def render_auth_error(error: AuthError) -> flask.Response:
    """Supabase Auth's error body for the API version the client asked for."""
    if _api_version_2024():
        body = {"code": error.error_code, "message": error.message}
    else:
        body = {"code": error.status, "error_code": error.error_code, "msg": error.message}
    if error.reasons:
        body["weak_password"] = {"reasons": error.reasons}
    response = flask.current_app.json.response(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    response.headers["x-sb-error-code"] = error.error_code
    if _api_version_2024():
        response.headers[API_VERSION_HEADER] = API_VERSION_2024_01_01.isoformat()
    return response


def render_other_error(error: HTTPException | ApiError) -> flask.Response:
    """Everything else raised under /auth/v1 (rate limits, unknown methods, the database) in the same shape."""
    if isinstance(error, HTTPException):
        status = error.code or 500
        if status == 429:
            auth_error = AuthError(429, "over_request_rate_limit", "Request rate limit reached")
        else:
            auth_error = AuthError(status, "validation_failed" if status < 500 else "unexpected_failure",
                                   error.description or error.name)
        auth_error.headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    else:
        code = "unexpected_failure" if error.status >= 500 else "validation_failed"
        auth_error = AuthError(error.status, code, error.detail, headers=error.headers)
    return render_auth_error(auth_error)



def init_blueprint(blueprint: flask.Blueprint) -> None:
    """Render every refusal of `blueprint` in Supabase Auth's shape."""
    blueprint.register_error_handler(AuthError, render_auth_error)
    blueprint.register_error_handler(HTTPException, render_other_error)
    blueprint.register_error_handler(ApiError, render_other_error)
