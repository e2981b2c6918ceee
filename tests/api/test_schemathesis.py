"""Schemathesis over /openapi.json against the real gunicorn, every check on: never a 5xx, and the
document says what the code does (statuses, constraints; see schemathesis.toml beside this file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.api.conftest import GENEROUS_LIMIT, make_token
from tests.helpers.web import START_DEADLINE_SECONDS, wait_until

# A bounded run: few examples per operation, and a time budget well under a minute.
MAX_EXAMPLES = 5
TIME_BUDGET_SECONDS = 30
CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")


def test_no_input_produces_a_server_error(web_factory, database_url, alice, tmp_path: Path):
    server = web_factory(database_url, RATE_LIMIT_READ=GENEROUS_LIMIT, RATE_LIMIT_WRITE=GENEROUS_LIMIT)
    # /healthz answers before the pool has opened its connections (it opens them in the background,
    # so the service starts while the database is down). On a loaded machine the first connection can
    # take longer than the pool wait (1 s), and a request in that window is a correct 503: the fuzzing
    # starts once the service says it is ready. Every 5xx after that, 503 included, still fails.
    wait_until(lambda: requests.get(server.url("/readyz"), timeout=5).status_code == 200,
               START_DEADLINE_SECONDS, "gunicorn to answer /readyz")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG_FILE), "run", server.url("/openapi.json"),
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES),
        "--max-time", str(TIME_BUDGET_SECONDS), "--seed", "20261124",
        # One worker: with two threads, schemathesis sometimes crashes in CPython 3.11's ast module
        # ("AST constructor recursion depth mismatch"), an error of its own, not of the API.
        "--workers", "1",
        "--header", f"Authorization: Bearer {make_token(alice)}", "--request-timeout", "10",
        "--suppress-health-check", "all",
        # A stream that is accepted never ends by itself: its refusals are tested in test_streams.py.
        "--exclude-path-regex", "^/stream(/public)?$",
    ]
    # Run in the temporary directory: schemathesis leaves its reports and example database behind.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                            timeout=TIME_BUDGET_SECONDS + 60, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:] + server.log()[-3000:]
