"""A new person's first visit, as the console sees it: sign-up asks for the username without a
failing request (no GET /me 404), the favicon is served, and no normal path logs an error or gets a
4xx or 5xx. Notifications that were seen are read, also after a reload.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.people import api_account, bearer
from tests.web.test_client import LIVE_SECONDS, go, post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

STATIC = Path(__file__).resolve().parents[2] / "api" / "client" / "static"


def test_a_first_visit_logs_no_error_and_fails_no_request(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    problems, requested = [], []
    context.on("console", lambda message: message.type == "error" and problems.append(message.text))
    context.on("weberror", lambda error: problems.append(str(error.error)))
    context.on("request", lambda request: requested.append(f"{request.method} {request.url}"))
    context.on("response", lambda response: response.status >= 400 and problems.append(
        f"{response.status} {response.request.method} {response.url}"))
    page = sign_up(context, site.base_url, "newcomer")
    assert not [line for line in requested if re.search(r"GET \S+/me$", line)]  # decided from the session

    post_tweet(page, "My first #chirp")
    bob = api_account(site, "bob")
    assert requests.post(site.url("/users/newcomer/follow"), headers=bearer(bob), timeout=10).status_code == 200
    expect(page.locator("#unread-badge")).to_have_text("1", timeout=LIVE_SECONDS)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.locator(".notification", has_text="followed you")).to_have_count(1)
    expect(page.locator("#unread-badge")).to_be_hidden()
    for link, heading in (("Trends", "Trends"), ("Profile", "@newcomer"), ("Everyone", "Everyone")):
        go(page, link, heading)
    page.reload()
    expect(page.get_by_role("heading", name="Everyone")).to_be_visible()
    go(page, "Notifications", "Notifications")
    expect(page.locator(".notification", has_text="followed you")).not_to_have_class(re.compile("unread"))
    expect(page.locator("#unread-badge")).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_the_favicon_and_every_module_are_announced_and_served(site):
    page = requests.get(site.url("/"), timeout=10).text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    answer = requests.get(site.url(icon), timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("image/svg+xml")
    # Every module is preloaded, so the browser fetches them in one round, not one import level at a time.
    announced = set(re.findall(r'<link rel="modulepreload" href="/web/([^"]+)">', page))
    announced |= set(re.findall(r'<script type="module" src="/web/([^"]+)">', page))
    assert announced == {path.name for path in STATIC.glob("*.js")}
