"""The HTTP API: a Flask application whose every request runs in PostgreSQL as its caller.

`gunicorn 'api:create_app()'` serves it (see `api.gunicorn_config`); tests pass their own Settings.
"""

from __future__ import annotations

from migrations.settings import Settings

# Bodies larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None):
    """Build the application from `settings` (the environment's when omitted)."""
    # Imported here, as in Flask's tutorial: gunicorn imports this package to read
    # `api.gunicorn_config`, which must set PROMETHEUS_MULTIPROC_DIR before prometheus_client loads.
    import flask

    from api import (auth, cors, database, errors, limits, live, local_auth, metrics, notifications, ops,
                     request_log, streams, trends, tweets, users, web)
    from api.serialization import ApiJsonProvider

    settings = settings or Settings.from_environment()
    if not settings.supabase_url:
        settings.require_jwt_secret()
    app = flask.Flask(__name__, static_folder=None)  # the web client is served by api.web, with its headers
    app.json_provider_class = ApiJsonProvider
    app.json = ApiJsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind PROXY_HOPS proxies the client is that many X-Forwarded-For entries from the right;
        # request.remote_addr (rate-limit keys, request logs) becomes it. Without, the header is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)
    request_log.init_app(app)
    cors.init_app(app)
    errors.init_app(app)
    auth.init_app(app, settings)
    pool = database.init_app(app, settings)
    metrics.init_app(app, pool)
    live.init_app(app, settings)
    limiter = limits.init_app(app, settings, exempt=[ops.blueprint, web.blueprint])
    for module in (tweets, users, notifications, trends, streams, ops):
        app.register_blueprint(module.blueprint)
    local_auth.init_app(app, settings, limiter)
    web.init_app(app, settings)
    return app
