"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, a real gunicorn and consumer.

Playwright's own browser builds are never downloaded: the tests launch /usr/bin/chromium (Debian's
`chromium` package, which `.ci/run` installs when it can) and skip, saying so, where it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.consumer_process import ConsumerProcess
from tests.helpers.web import web_factory  # noqa: F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGUMENTS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# A phone's width: the client must work there.
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; skipped with the reason where it cannot run."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM} is missing; apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGUMENTS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def consumer(database_url):
    """The real `python -m consumer` on this test's database."""
    process = ConsumerProcess(database_url)
    yield process
    process.close()


@pytest.fixture
def site(web_factory, database_url, consumer):
    """The web process serving the client, with a consumer turning events into notifications."""
    return web_factory(database_url)


@pytest.fixture
def screenshot_path() -> Path:
    """Where the README's screenshot is saved."""
    path = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
    path.parent.mkdir(exist_ok=True)
    return path
