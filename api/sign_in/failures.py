"""Failed password sign-ins of the local /auth/v1, limited per client address and per email.

Each attempt is counted before its password is checked, and a right password gives its count
back: counting only after a failed check let every attempt that arrived while the first ones were
still in bcrypt through (200 concurrent guesses got 33 checks with a limit of 10). An email is
counted under its SHA-256, so any email fits the storage's key (a 3,000-character one overflowed
its index) and no email is kept there as it is.
"""

from __future__ import annotations

import datetime
import hashlib

import flask
import limits
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.sign_in.errors import AuthError


def _keys(email: str) -> list[tuple[str, str]]:
    """The counters an attempt adds to: this client address, and this email's digest."""
    email_digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
    return [("failed-sign-in-address", get_remote_address()), ("failed-sign-in-email", email_digest)]


def _limit() -> tuple[Limiter, limits.RateLimitItem]:
    """The limiter and the limit on failed sign-ins (RATE_LIMIT_FAILED_SIGN_IN), per address and per email."""
    extension = flask.current_app.extensions["local_auth"]
    return extension["limiter"], extension["failed_sign_in_limit"]


def count_attempt(email: str) -> None:
    """Count one attempt for this address and this email; 429 with Retry-After once either is past the limit."""
    limiter, limit = _limit()
    for key in _keys(email):
        if not limiter.limiter.hit(limit, *key):
            reset_at = limiter.limiter.get_window_stats(limit, *key).reset_time
            retry_after = max(1, int(reset_at - datetime.datetime.now().timestamp()) + 1)
            raise AuthError(429, "over_request_rate_limit", "Request rate limit reached",
                            headers={"Retry-After": str(retry_after)})


def forgive_attempt(email: str) -> None:
    """Give back the count of an attempt whose password was right: it was no failure."""
    limiter, limit = _limit()
    for key in _keys(email):
        limiter.limiter.hit(limit, *key, cost=-1)
