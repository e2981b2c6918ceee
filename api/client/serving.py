"""The web client at `/`: static files (no build step) and the little configuration they need.

The page learns where to sign in from `GET /config.json` (never from an inline script, which the
Content-Security-Policy forbids): this server's own /auth/v1 on the local database, or the Supabase
project's Auth when SUPABASE_URL is set, with the anon key that its client libraries send.
"""

from __future__ import annotations

import flask
import jwt

from api.limits import unlimited
from chirp.settings import Settings

# The client's files are static and cached: no rate limit counts them.
blueprint = unlimited(flask.Blueprint("web", __name__, static_folder="static", static_url_path="/web"))

# The local anon key never expires in practice: it grants nothing a request without a token has.
LOCAL_ANON_KEY_EXPIRES_AT = 4102444800  # 2100-01-01
STATIC_CACHE_SECONDS = 60


def local_anon_key(secret: str) -> str:
    """The anon key of the local stand-in: Supabase's shape (role `anon`), signed with the JWT secret."""
    claims = {"iss": "chirp-local", "role": "anon", "iat": 0, "exp": LOCAL_ANON_KEY_EXPIRES_AT}
    return jwt.encode(claims, secret, algorithm="HS256")


def content_security_policy(supabase_url: str | None) -> str:
    """No inline script, no plugin, no framing; requests to this origin and to the project's Auth."""
    connect = "'self'" + (f" {supabase_url}" if supabase_url else "")
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https:",
        f"connect-src {connect}", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
        "form-action 'self'",
    ])


@blueprint.get("/")
def index():
    """The client's one page."""
    return blueprint.send_static_file("index.html")


@blueprint.get("/config.json")
def config():
    """Where the client signs in: `auth_url` ('' means this server's /auth/v1) and the anon key."""
    settings: Settings = flask.current_app.extensions["web_settings"]
    if settings.supabase_url:
        return {"auth_url": settings.supabase_url, "anon_key": settings.supabase_anon_key or ""}
    return {"auth_url": "", "anon_key": local_anon_key(settings.require_jwt_secret())}


@blueprint.after_request
def security_headers(response: flask.Response) -> flask.Response:
    """The page's policy, and no sniffing or referrers for any of its files."""
    settings: Settings = flask.current_app.extensions["web_settings"]
    response.headers["Content-Security-Policy"] = content_security_policy(settings.supabase_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", f"public, max-age={STATIC_CACHE_SECONDS}")
    return response


def init_app(app: flask.Flask, settings: Settings) -> None:
    """Serve the client on `app`."""
    app.extensions["web_settings"] = settings
    app.register_blueprint(blueprint)
