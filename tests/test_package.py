"""The package installs as a package: `pip install .` (not editable) into a fresh virtualenv gives
working commands from any directory, with the migrations, the named SQL and the web client inside.

The wheel is built from this checkout and installed with its dependencies (pip's cache makes the
second time quick); every command then runs from an empty directory, so nothing of the checkout can
be imported by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import requests

from tests.db.test_migrations import empty_database_url  # noqa: F401 - fixture
from tests.helpers import processes
from tests.helpers.waiting import free_port, wait_until
from tests.helpers.web import REPOSITORY, TEST_JWT_SECRET

INSTALL_TIMEOUT_SECONDS = 600
# What a checkout holds besides the sources: never part of a build.
NOT_SOURCES = (".git", ".venv", ".data", ".env", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
               "node_modules", ".schemathesis", ".ruff_cache")
START_DEADLINE_SECONDS = 60.0


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel of this checkout installed (not editable); its bin/ folder."""
    root = tmp_path_factory.mktemp("package")
    # Built from a copy of the sources alone: setuptools reuses a checkout's build/ folder, where files
    # since renamed or removed would otherwise ride along into the wheel.
    source = root / "source"
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels),
                    str(source)], check=True, timeout=INSTALL_TIMEOUT_SECONDS, cwd=root)
    environment = root / "venv"
    venv.create(environment, with_pip=True)
    bin_directory = environment / "bin"
    subprocess.run([str(bin_directory / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *map(str, wheels.glob("chirp-*.whl"))], check=True, timeout=INSTALL_TIMEOUT_SECONDS, cwd=root)
    return bin_directory


def test_the_wheel_carries_the_sql_and_the_client(installed):
    site_packages = next((installed.parent / "lib").glob("python*/site-packages"))
    assert (site_packages / "chirp/sql/api/resources/tweets.sql").is_file()
    assert (site_packages / "chirp/sql/operators/queue_status.sql").is_file()
    assert sorted(path.name for path in (site_packages / "migrations").glob("*.sql"))
    assert (site_packages / "api/client/static/index.html").is_file()
    # Nothing of the checkout's top level that is not a package.
    assert not (site_packages / "tests").exists() and not (site_packages / "bench").exists()


def test_the_installed_commands_serve_from_another_directory(installed, empty_database_url, tmp_path):  # noqa: F811
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {**os.environ, "DATABASE_URL": empty_database_url, "SUPABASE_JWT_SECRET": TEST_JWT_SECRET,
                   "PYTHONPATH": "", "WEB_CONCURRENCY": "1"}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    migrated = subprocess.run([str(installed / "python"), "-m", "migrations"], cwd=elsewhere, env=environment,
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    assert "applied" in migrated.stdout

    drained = subprocess.run([str(installed / "python"), "-m", "consumer", "run", "--drain"], cwd=elsewhere,
                             env=environment, capture_output=True, text=True, timeout=120)
    assert drained.returncode == 0, drained.stderr

    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        web = processes.start([str(installed / "gunicorn"), "api:create_app()", "--bind", f"127.0.0.1:{port}",
                               "--config", "python:api.server.gunicorn_config"],
                              cwd=elsewhere, env=environment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            assert web.poll() is None, log_path.read_text()
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(answers, START_DEADLINE_SECONDS, "the installed gunicorn to answer /healthz")
        tweets = requests.get(f"{base}/tweets", timeout=10)
        assert tweets.status_code == 200 and tweets.json() == {"data": [], "next_cursor": None}
        client = requests.get(f"{base}/", timeout=10)
        assert client.status_code == 200 and "<html" in client.text.lower()
    finally:
        processes.stop(web)
