"""The HTTP API: a Flask application whose every request runs in PostgreSQL as its caller.

`gunicorn 'api:create_app()'` serves it (see `api.server.gunicorn_config`); tests pass their own
Settings. The folders, from the bottom up:

- `http/`: plumbing every route shares (errors as problem+json, CORS, request logs, metrics,
  validation, pages, JSON, the OpenAPI document);
- `caller/`: who calls (tokens) and the per-request transaction as that caller (database, pooler);
- `limits/`: the web tier's rate limits and where they are counted;
- `resources/`: a blueprint per resource (tweets, users, notifications, trends, reposts, bookmarks,
  operations);
- `safety/`: blocks, mutes and reports (what they hide and refuse, the database holds);
- `discovery/`: finding tweets and people (threads, hashtag timelines, search);
- `live/`: the Server-Sent Events streams and the per-process hub that feeds them;
- `sign_in/`: the local stand-in for Supabase Auth's `/auth/v1`;
- `client/`: the web client's files and the page that serves them;
- `server/`: gunicorn's configuration and worker (imports the others; nothing imports it).
"""

from __future__ import annotations

from chirp.settings import Settings

# Bodies larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None):
    """Build the application from `settings` (the environment's when omitted)."""
    # Imported here, as in Flask's tutorial: gunicorn imports this package to read
    # `api.server.gunicorn_config`, which must set PROMETHEUS_MULTIPROC_DIR before prometheus_client loads.
    import flask

    from api.http.serialization import ApiJsonProvider

    settings = settings or Settings.from_environment()
    if not settings.supabase_url:
        settings.require_jwt_secret()
    app = flask.Flask(__name__, static_folder=None)  # the web client is served by api.client.serving, with its headers
    app.json_provider_class = ApiJsonProvider
    app.json = ApiJsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    trust_proxies(app, settings)
    register_plumbing(app, settings)
    register_resources(app, settings)
    return app


def trust_proxies(app, settings: Settings) -> None:
    """Behind PROXY_HOPS proxies the client is that many X-Forwarded-For entries from the right;
    request.remote_addr (rate-limit keys, request logs) becomes it. Without, the header is ignored."""
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)


def register_plumbing(app, settings: Settings) -> None:
    """What every request passes through: logs, CORS, errors, the caller, the database, metrics."""
    from api.caller import accounts, database, tokens
    from api.http import cors, errors, metrics, pages, request_log

    request_log.init_app(app)
    cors.init_app(app)
    errors.init_app(app)
    tokens.init_app(app, settings)
    pages.init_app(app, settings, caller=lambda: tokens.current_identity().user_id)
    pool = database.init_app(app, settings)
    accounts.init_app(app, pool)
    metrics.init_app(app, pool)


def register_resources(app, settings: Settings) -> None:
    """The blueprints, the live hub, the limits stated on their routes, local sign-in and the client."""
    from api.client import serving
    from api.discovery import context, hashtags, search
    from api.limits import policy
    from api.live import hub, streams
    from api.resources import bookmarks, notifications, operations, reposts, trends, tweets, users
    from api.safety import relations, reports
    from api.sign_in import endpoints as sign_in

    hub.init_app(app, settings)
    limiter = policy.init_app(app, settings)
    for module in (tweets, users, notifications, trends, reposts, bookmarks, context, hashtags, search,
                   relations, reports, streams, operations):
        app.register_blueprint(module.blueprint)
    sign_in.init_app(app, settings, limiter)
    serving.init_app(app, settings)


def end_streams(app) -> None:
    """End every open live stream of `app` (a worker told to stop); clients reconnect elsewhere."""
    from api.live import hub

    live_hub = hub.of(app)
    if live_hub is not None:
        live_hub.shutdown()


def close(app) -> None:
    """Close `app`'s connection pools (a worker's exit, while its greenlets can still run; tests)."""
    from api.caller import database
    from api.limits import policy

    pools = database.of(app)
    if pools is not None:
        pools.close()
    policy.close(app)
