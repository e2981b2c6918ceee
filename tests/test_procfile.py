"""End to end: the Procfile's two processes, as `make run` starts them (honcho), on a real database.

A tweet that mentions another user makes that user's notification appear; SIGTERM stops both cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests

from tests.helpers import processes
from tests.helpers.waiting import answers, free_port, wait_until
from tests.helpers.web import TEST_JWT_SECRET

REPOSITORY = Path(__file__).resolve().parents[1]
VIRTUALENV_BIN = Path(sys.executable).parent
STOP_DEADLINE_SECONDS = 20


def token_for(user_id) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", "iat": now, "exp": now + 600}
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


@pytest.fixture
def procfile(database_url, tmp_path):
    """`honcho start` with the repository's Procfile; yields the web base URL, stops it at teardown."""
    port = free_port()
    environment = {
        **os.environ, "DATABASE_URL": database_url, "SUPABASE_JWT_SECRET": TEST_JWT_SECRET, "PORT": str(port),
        "PATH": f"{VIRTUALENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log_path = tmp_path / "honcho.log"
    with log_path.open("wb") as log:
        process = processes.start(
            # As make run's launcher does: no .env for honcho, whose values would override ours.
            [str(VIRTUALENV_BIN / "honcho"), "start", "-f", "Procfile", "--no-prefix", "--env", os.devnull],
            cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(base_url), 60, "the web process to answer /healthz")
        yield process, base_url, log_path
    finally:
        # honcho, and the process group of each Procfile process it started.
        processes.stop(process)


def healthy(base_url: str) -> bool:
    """Whether the web process answers /healthz now (any request error is a no)."""
    return answers(base_url + "/healthz")


def mentions(base_url: str, token: str) -> list[dict]:
    response = requests.get(base_url + "/notifications", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    return [n for n in response.json()["data"] if n["type"] == "mention"]


def test_a_mention_reaches_its_user_and_sigterm_stops_both_processes(procfile, alice, bob):
    process, base_url, log_path = procfile
    alice_token, bob_token = token_for(alice), token_for(bob)
    created = requests.post(base_url + "/tweets", json={"content": "hello @Bob, see #Procfile"},
                            headers={"Authorization": f"Bearer {alice_token}"}, timeout=5)
    assert created.status_code == 201, created.text

    [notification] = wait_until(lambda: mentions(base_url, bob_token), 10, "bob's mention notification")
    assert notification["tweet_id"] == created.json()["id"]
    assert notification["actor"]["username"] == "alice"

    # honcho signals each process group; `sh -c` (dash) dies of the signal, so honcho's own exit
    # status says little: the processes' own words say whether each one stopped cleanly.
    process.send_signal(signal.SIGTERM)
    process.wait(STOP_DEADLINE_SECONDS)
    log = log_path.read_text(errors="replace")
    assert "Shutting down: Master" in log, processes.tail(log)
    assert "consumer stopped" in log, processes.tail(log)
    assert "Traceback" not in log, processes.tail(log)
    assert not healthy(base_url)
