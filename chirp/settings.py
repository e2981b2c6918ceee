"""The one configuration object, read from the environment once and shared by every process.

Each setting is declared once, on its field: the variable, the default and the parser together
(`setting(...)`), as Supabase Auth writes `envconfig:"DATABASE_URL"` on its fields. The web process,
the consumer and `python -m migrations` all resolve `DATABASE_URL` here, falling back to the
embedded local server when it is unset.
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


def _text(environ: dict[str, str], name: str, default: str | None) -> str | None:
    """The variable's text as it is; empty reads as unset."""
    return environ.get(name) or default


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


def _optional_integer(environ: dict[str, str], name: str, default: int | None) -> int | None:
    """A positive whole number, or None when unset."""
    return _integer(environ, name, 0) if environ.get(name, "").strip() else default


def _is_set(environ: dict[str, str], name: str, default: bool) -> bool:
    """Whether the variable is set at all (to tell an operator's value from the default)."""
    return bool(environ.get(name, "").strip()) or default


def _port(environ: dict[str, str], name: str, default: int | None) -> int | None:
    """A TCP port number from 1 to 65535."""
    if not environ.get(name, "").strip():
        return default
    value = _integer(environ, name, 0)
    if value > HIGHEST_PORT:
        raise ConfigurationError(f"{name} must be a port number from 1 to {HIGHEST_PORT}, not {value}")
    return value


def _database_url(environ: dict[str, str], name: str, default: None) -> str | None:
    """A libpq connection string (postgresql://... or key=value pairs); its text is never echoed,
    since it may hold a password."""
    # Imported here, not at the top: gunicorn's master imports this module before api.server.gunicorn_config
    # patches the standard library for the gevent workers, and psycopg chooses how it waits when
    # first imported.
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        conninfo_to_dict(raw)
    except psycopg.ProgrammingError as error:
        reason = str(error).splitlines()[0].split(":", 1)[-1].strip().strip('"')
        raise ConfigurationError(
            f"{name} is not a PostgreSQL connection string such as"
            f" postgresql://user:password@host:5432/postgres ({reason})") from None
    return raw


def _url(environ: dict[str, str], name: str, default: str | None, schemes: tuple[str, ...] = ()) -> str | None:
    """A URL, of one of `schemes` when given (else of any scheme)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    scheme, separator, rest = raw.partition("://")
    if not separator or not scheme or (schemes and (scheme not in schemes or not rest)):
        expected = " or ".join(s + "://..." for s in schemes) if schemes else "a URL such as redis://host:6379"
        raise ConfigurationError(f"{name} must be {expected}")
    return raw


def _project_url(environ: dict[str, str], name: str, default: str | None) -> str | None:
    """A Supabase project's https:// (or http://) URL, without a trailing slash."""
    url = _url(environ, name, default, schemes=("https", "http"))
    return url.rstrip("/") if url else default


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


def setting(variable: str, default, parse, secret: bool = False):
    """A Settings field read from `variable` by `parse(environ, variable, default)`; a secret stays out of repr."""
    return dataclasses.field(default=default, repr=not secret, metadata={"variable": variable, "parse": parse})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the processes read from the environment; secrets stay out of `repr`."""

    database_url_setting: str | None = setting("DATABASE_URL", None, _database_url, secret=True)
    database_read_url: str | None = setting("DATABASE_READ_URL", None, _database_url, secret=True)
    # false behind a transaction-mode pooler, which keeps no prepared statements between transactions.
    prepared_statements: bool = setting("DATABASE_PREPARED_STATEMENTS", True, _boolean)
    # Each API transaction's statement_timeout: a slow query answers 503 instead of holding a
    # connection for as long as it likes.
    statement_timeout_ms: int = setting("DATABASE_STATEMENT_TIMEOUT_MS", 5000, _integer)
    # How many proxies in front of the web process append to X-Forwarded-For: the client's address is
    # that many entries from the right; 0 trusts none and uses the peer address.
    proxy_hops: int = setting("PROXY_HOPS", 0, _whole_number)
    jwt_secret: str | None = setting("SUPABASE_JWT_SECRET", None, _text, secret=True)
    supabase_url: str | None = setting("SUPABASE_URL", None, _project_url)
    # The project's anon key, handed to the web client for Supabase Auth when SUPABASE_URL is set.
    supabase_anon_key: str | None = setting("SUPABASE_ANON_KEY", None, _text, secret=True)
    port: int = setting("PORT", 8787, _port)
    # None: the database itself keeps the web tier's limits (api/limits/storage.py).
    ratelimit_storage_uri: str | None = setting("RATELIMIT_STORAGE_URI", None, _url, secret=True)
    rate_limit_write: str = setting("RATE_LIMIT_WRITE", "30/minute", _rate_limit)
    # Whether RATE_LIMIT_WRITE was set: only then does `python -m migrations` write it to the database.
    rate_limit_write_is_set: bool = setting("RATE_LIMIT_WRITE", False, _is_set)
    rate_limit_read: str = setting("RATE_LIMIT_READ", "300/minute", _rate_limit)
    # Failed password sign-ins of the local /auth/v1, per client address and per email.
    rate_limit_failed_sign_in: str = setting("RATE_LIMIT_FAILED_SIGN_IN", "10/minute", _rate_limit)
    ratelimit_key_prefix: str = setting("RATELIMIT_KEY_PREFIX", "chirp", _text)
    # None: one worker per core the process may run on.
    web_workers: int | None = setting("WEB_CONCURRENCY", None, _optional_integer)
    web_threads: int = setting("WEB_THREADS", 8, _integer)
    consumer_batch_size: int = setting("CONSUMER_BATCH_SIZE", 100, _integer)
    # Worker threads in the one consumer process, each with its own connections: while one waits
    # for the database, another parses and prepares its batch.
    consumer_concurrency: int = setting("CONSUMER_CONCURRENCY", 2, _integer)
    consumer_visibility_timeout_seconds: int = setting("CONSUMER_VT_SECONDS", 30, _integer)
    consumer_max_attempts: int = setting("CONSUMER_MAX_ATTEMPTS", 5, _integer)
    consumer_metrics_port: int | None = setting("CONSUMER_METRICS_PORT", None, _port)
    # A failing message waits base * 2**(failures - 1) seconds, jittered, at most the cap, before
    # its next attempt.
    consumer_backoff_base_seconds: int = setting("CONSUMER_BACKOFF_BASE_SECONDS", 1, _integer)
    consumer_backoff_cap_seconds: int = setting("CONSUMER_BACKOFF_CAP_SECONDS", 300, _integer)
    # The consumer's fallback poll: a notification wakes it sooner; the poll finds messages whose
    # visibility timeout or backoff expired, which send none.
    consumer_poll_seconds: int = setting("CONSUMER_POLL_SECONDS", 1, _integer)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Read every setting once; a malformed value fails here, naming its variable."""
        env = dict(os.environ if environ is None else environ)
        return cls(**{field.name: field.metadata["parse"](env, field.metadata["variable"], field.default)
                      for field in dataclasses.fields(cls)})

    @classmethod
    def variables(cls) -> list[str]:
        """Every environment variable a setting reads, once each (for the README and `make run`)."""
        return list(dict.fromkeys(field.metadata["variable"] for field in dataclasses.fields(cls)))

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
