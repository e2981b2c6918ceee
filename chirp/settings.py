"""The one configuration object, read from the environment once and shared by every process.

It lives beside the migrations because every process starts by needing the database: the web
process, the consumer and `python -m migrations` all resolve `DATABASE_URL` here, falling back to
the embedded local server when it is unset.
"""

from __future__ import annotations

import dataclasses
import os
from functools import cached_property

from limits import parse_many

HIGHEST_PORT = 65535


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under taskset or a cgroup cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _integer(environ: dict[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, not {value}")
    return value


def _whole_number(environ: dict[str, str], name: str, default: int) -> int:
    """Like _integer, but zero is allowed."""
    raw = environ.get(name, "").strip()
    if raw == "0":
        return 0
    return _integer(environ, name, default)


def _port(environ: dict[str, str], name: str, default: int | None) -> int | None:
    """A TCP port number from 1 to 65535."""
    if not environ.get(name, "").strip():
        return default
    value = _integer(environ, name, 0)
    if value > HIGHEST_PORT:
        raise ConfigurationError(f"{name} must be a port number from 1 to {HIGHEST_PORT}, not {value}")
    return value


def _database_url(environ: dict[str, str], name: str) -> str | None:
    """A libpq connection string (postgresql://... or key=value pairs); its text is never echoed,
    since it may hold a password."""
    # Imported here, not at the top: gunicorn's master imports this module before api.server.gunicorn_config
    # patches the standard library for the gevent workers, and psycopg chooses how it waits when
    # first imported.
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        conninfo_to_dict(raw)
    except psycopg.ProgrammingError as error:
        reason = str(error).splitlines()[0].split(":", 1)[-1].strip().strip('"')
        raise ConfigurationError(
            f"{name} is not a PostgreSQL connection string such as"
            f" postgresql://user:password@host:5432/postgres ({reason})") from None
    return raw


def _url(environ: dict[str, str], name: str, schemes: tuple[str, ...], default: str) -> str:
    """A URL, of one of `schemes` when given (else of any scheme)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    scheme, separator, rest = raw.partition("://")
    if not separator or not scheme or (schemes and (scheme not in schemes or not rest)):
        expected = " or ".join(s + "://..." for s in schemes) if schemes else "a URL such as redis://host:6379"
        raise ConfigurationError(f"{name} must be {expected}")
    return raw


def _rate_limit(environ: dict[str, str], name: str, default: str) -> str:
    """One rate such as `30/minute` or `5 per second` (the `limits` library's notation): the
    database keeps RATE_LIMIT_WRITE as one count per period."""
    raw = environ.get(name, "").strip() or default
    try:
        rates = parse_many(raw)
    except ValueError:
        rates = []
    if len(rates) != 1:
        raise ConfigurationError(f"{name} must be a rate such as 30/minute, not {raw!r}")
    return raw


def _boolean(environ: dict[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the processes read from the environment; secrets stay out of `repr`."""

    database_url_setting: str | None = dataclasses.field(default=None, repr=False)
    database_read_url: str | None = dataclasses.field(default=None, repr=False)
    prepared_statements: bool = True
    # Each API transaction's statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS): a slow query answers
    # 503 instead of holding a connection for as long as it likes.
    statement_timeout_ms: int = 5000
    # How many proxies in front of the web process append to X-Forwarded-For (PROXY_HOPS): the
    # client's address is that many entries from the right; 0 trusts none and uses the peer address.
    proxy_hops: int = 0
    jwt_secret: str | None = dataclasses.field(default=None, repr=False)
    supabase_url: str | None = None
    # The project's anon key, handed to the web client for Supabase Auth when SUPABASE_URL is set.
    supabase_anon_key: str | None = dataclasses.field(default=None, repr=False)
    port: int = 8787
    # None: the database itself keeps the web tier's limits (api/limit_storage.py).
    ratelimit_storage_uri: str | None = dataclasses.field(default=None, repr=False)
    rate_limit_write: str = "30/minute"
    # Whether RATE_LIMIT_WRITE was set: only then does `python -m migrations` write it to the database.
    rate_limit_write_is_set: bool = False
    rate_limit_read: str = "300/minute"
    # Failed password sign-ins of the local /auth/v1, per client address and per email.
    rate_limit_failed_sign_in: str = "10/minute"
    ratelimit_key_prefix: str = "chirp"
    # None: one worker per core the process may run on (WEB_CONCURRENCY overrides).
    web_workers: int | None = None
    web_threads: int = 8
    consumer_batch_size: int = 100
    # Worker threads in the one consumer process, each with its own connections: while one waits
    # for the database, another parses and prepares its batch (CONSUMER_CONCURRENCY).
    consumer_concurrency: int = 2
    consumer_visibility_timeout_seconds: int = 30
    consumer_max_attempts: int = 5
    consumer_metrics_port: int | None = None
    # A failing message waits base * 2**(failures - 1) seconds, jittered, at most the cap, before
    # its next attempt (CONSUMER_BACKOFF_BASE_SECONDS, CONSUMER_BACKOFF_CAP_SECONDS).
    consumer_backoff_base_seconds: int = 1
    consumer_backoff_cap_seconds: int = 300
    # The consumer's fallback poll (CONSUMER_POLL_SECONDS): a notification wakes it sooner; the
    # poll finds messages whose visibility timeout or backoff expired, which send none.
    consumer_poll_seconds: int = 1

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Read every setting once; a malformed value fails here, naming its variable."""
        env = dict(os.environ if environ is None else environ)
        web_workers = env.get("WEB_CONCURRENCY", "").strip()
        return cls(
            database_url_setting=_database_url(env, "DATABASE_URL"),
            database_read_url=_database_url(env, "DATABASE_READ_URL"),
            prepared_statements=_boolean(env, "DATABASE_PREPARED_STATEMENTS", True),
            statement_timeout_ms=_integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 5000),
            proxy_hops=_whole_number(env, "PROXY_HOPS", 0),
            jwt_secret=env.get("SUPABASE_JWT_SECRET") or None,
            supabase_url=_url(env, "SUPABASE_URL", ("https", "http"), "").rstrip("/") or None,
            supabase_anon_key=env.get("SUPABASE_ANON_KEY") or None,
            port=_port(env, "PORT", 8787),
            ratelimit_storage_uri=_url(env, "RATELIMIT_STORAGE_URI", (), "") or None,
            rate_limit_write=_rate_limit(env, "RATE_LIMIT_WRITE", "30/minute"),
            rate_limit_write_is_set=bool(env.get("RATE_LIMIT_WRITE", "").strip()),
            rate_limit_read=_rate_limit(env, "RATE_LIMIT_READ", "300/minute"),
            rate_limit_failed_sign_in=_rate_limit(env, "RATE_LIMIT_FAILED_SIGN_IN", "10/minute"),
            ratelimit_key_prefix=env.get("RATELIMIT_KEY_PREFIX") or "chirp",
            web_workers=_integer(env, "WEB_CONCURRENCY", 0) if web_workers else None,
            web_threads=_integer(env, "WEB_THREADS", 8),
            consumer_batch_size=_integer(env, "CONSUMER_BATCH_SIZE", 100),
            consumer_concurrency=_integer(env, "CONSUMER_CONCURRENCY", 2),
            consumer_visibility_timeout_seconds=_integer(env, "CONSUMER_VT_SECONDS", 30),
            consumer_max_attempts=_integer(env, "CONSUMER_MAX_ATTEMPTS", 5),
            consumer_metrics_port=_port(env, "CONSUMER_METRICS_PORT", None),
            consumer_backoff_base_seconds=_integer(env, "CONSUMER_BACKOFF_BASE_SECONDS", 1),
            consumer_backoff_cap_seconds=_integer(env, "CONSUMER_BACKOFF_CAP_SECONDS", 300),
            consumer_poll_seconds=_integer(env, "CONSUMER_POLL_SECONDS", 1),
        )

    @property
    def write_limit_for_database(self) -> str | None:
        """RATE_LIMIT_WRITE when it was set, for migrations to store; None leaves the database's own."""
        return self.rate_limit_write if self.rate_limit_write_is_set else None

    @cached_property
    def database_url(self) -> str:
        """`DATABASE_URL`, or the embedded local server's URL (started on first use) when unset."""
        if self.database_url_setting:
            return self.database_url_setting
        from chirp import local_server

        return local_server.start()

    def require_jwt_secret(self) -> str:
        """The HS256 secret; its absence is a start-up error that names the variable."""
        if not self.jwt_secret:
            raise ConfigurationError(
                "SUPABASE_JWT_SECRET is not set (make run generates one into .env)"
            )
        return self.jwt_secret
