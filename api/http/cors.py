"""CORS with flask-cors: any origin may call the API and open its streams, never with credentials.

The API authenticates by bearer token, never by cookie, so a page of another origin (a Next.js dev
server on port 3000, say) gains nothing a script could not already do with the token it holds.
Preflights allow the API's methods and request headers, plus those Supabase's client libraries send
to /auth/v1; scripts may read the headers that carry a result (Location) or a wait (Retry-After).
"""

from __future__ import annotations

import flask
from flask_cors import CORS

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
ALLOWED_HEADERS = [
    "Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID",
    # supabase-js and supabase_auth send these to /auth/v1.
    "apikey", "X-Client-Info", "X-Supabase-Api-Version",
]
EXPOSED_HEADERS = [
    "Location", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
    "X-Request-Id", "X-Supabase-Api-Version", "x-sb-error-code",
]
PREFLIGHT_CACHE_SECONDS = 600


def init_app(app: flask.Flask) -> None:
    """Answer preflights and add the CORS headers to every response of `app`."""
    CORS(
        app,
        origins="*",
        send_wildcard=True,
        supports_credentials=False,
        methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_CACHE_SECONDS,
    )
