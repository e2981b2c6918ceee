"""One rule for configuration in every command: the environment wins over `.env`, and a malformed
setting stops the process with one line naming the variable, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from chirp.settings import ConfigurationError, Settings

REPOSITORY = Path(__file__).resolve().parents[1]
GUNICORN = [sys.executable, "-m", "gunicorn", "api:create_app()", "--config", "python:api.server.gunicorn_config",
            "--bind", "127.0.0.1:0"]
COMMANDS = {
    "migrations": [sys.executable, "-m", "migrations"],
    "consumer": [sys.executable, "-m", "consumer"],
    "consumer status": [sys.executable, "-m", "consumer", "status"],
    "token": [sys.executable, "-m", "api.token", "alice"],
    "gunicorn": GUNICORN,
}
BAD_SETTINGS = [
    ("DATABASE_URL", "notaurl", "not a PostgreSQL connection string"),
    ("PORT", "abc", "whole number"),
    ("PORT", "99999", "port number"),
    ("CONSUMER_MAX_ATTEMPTS", "-3", "positive"),
    ("RATE_LIMIT_WRITE", "lots", "a rate such as"),
    ("SUPABASE_URL", "example.com", "https://"),
]


def run(command: list[str], cwd: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run a command of the project from `cwd`, with `variables` over a clean environment."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("DATABASE_", "SUPABASE_", "PORT", "RATE_", "CONSUMER_"))}
    environment.update({"PYTHONPATH": str(REPOSITORY), "SUPABASE_JWT_SECRET": "s" * 40, **variables})
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
@pytest.mark.parametrize("name, value, said", BAD_SETTINGS, ids=[f"{n}={v}" for n, v, _ in BAD_SETTINGS])
def test_a_malformed_setting_stops_every_command_with_one_line(command, name, value, said, tmp_path):
    result = run(COMMANDS[command], tmp_path, **{name: value})
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert name in lines[0] and said in lines[0] and "configuration error" in lines[0]
    assert "migration failed" not in lines[0]


def test_the_web_process_without_a_secret_or_supabase_url_says_so(tmp_path):
    result = run(GUNICORN, tmp_path, SUPABASE_JWT_SECRET="", DATABASE_URL="postgresql://nobody@127.0.0.1:1/x")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "SUPABASE_JWT_SECRET is not set" in result.stderr


def test_the_environment_wins_over_dot_env_and_dot_env_fills_in(database_url, tmp_path):
    (tmp_path / ".env").write_text("SUPABASE_JWT_SECRET=from-the-file-0123456789-0123456789\n"
                                   f"DATABASE_URL={database_url}\n")
    exported = run(COMMANDS["token"], tmp_path, SUPABASE_JWT_SECRET="exported-0123456789-0123456789-01")
    assert exported.returncode == 0, exported.stderr
    jwt.decode(exported.stdout.strip(), "exported-0123456789-0123456789-01", algorithms=["HS256"],
               audience="authenticated")
    filled_in = run(COMMANDS["token"], tmp_path, SUPABASE_JWT_SECRET="")
    assert filled_in.returncode == 0, filled_in.stderr
    jwt.decode(filled_in.stdout.strip(), "from-the-file-0123456789-0123456789", algorithms=["HS256"],
               audience="authenticated")


@pytest.mark.parametrize("username, said", [("al!ce", "not '!'"), ("al", "3 to 15 characters"),
                                            ("a" * 16, "not 16")])
def test_the_token_command_says_what_is_wrong_with_a_username(username, said, tmp_path):
    result = run([sys.executable, "-m", "api.token", username], tmp_path)
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line_not_a_migration_failure(tmp_path):
    result = run(COMMANDS["migrations"], tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/x")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "cannot connect to the database" in result.stderr


def test_settings_name_the_variable():
    with pytest.raises(ConfigurationError, match="^DATABASE_READ_URL "):
        Settings.from_environment({"DATABASE_READ_URL": "nonsense"})


def test_rate_limit_settings():
    """One rate each (the database keeps the write limit as one count per period); storage URIs with
    a scheme, `memory://` included; unset, the limits live in the database."""
    with pytest.raises(ConfigurationError, match="^RATE_LIMIT_WRITE "):
        Settings.from_environment({"RATE_LIMIT_WRITE": "30/minute;1000/hour"})
    with pytest.raises(ConfigurationError, match="^RATELIMIT_STORAGE_URI "):
        Settings.from_environment({"RATELIMIT_STORAGE_URI": "localhost:6379"})
    assert Settings.from_environment({"RATELIMIT_STORAGE_URI": "memory://"}).ratelimit_storage_uri == "memory://"
    defaults = Settings.from_environment({})
    assert defaults.ratelimit_storage_uri is None and not defaults.rate_limit_write_is_set
    assert Settings.from_environment({"RATE_LIMIT_WRITE": "10 per minute"}).rate_limit_write_is_set
