"""Every view of the web client passes axe-core's checks (WCAG 2.x A and AA) at a phone's width.

axe-core (shipped inside the axe-playwright-python package) runs in the page through Playwright's
evaluate, which the page's Content-Security-Policy does not apply to, so the policy stays as served.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.test_client import post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed")
WCAG_A_AND_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                 "resultTypes": ["violations"]}


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now: rule id, and the first offending node."""
    results = axe_module.Axe().run(page, options=WCAG_A_AND_AA)
    return [f"{violation['id']}: {violation['nodes'][0]['html']}" for violation in results.response["violations"]]


def test_every_view_passes_axe(browser, site):
    anonymous = browser.new_context(viewport=PHONE_VIEWPORT).new_page()
    anonymous.goto(site.base_url + "/#/public")
    expect(anonymous.get_by_role("heading", name="Everyone")).to_be_visible()
    assert violations(anonymous) == []
    anonymous.goto(site.base_url + "/#/sign-in")
    expect(anonymous.get_by_role("button", name="Sign in")).to_be_visible()
    assert violations(anonymous) == []

    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "access")
    post_tweet(page, "Accessible to everyone #a11y @access")
    expect(page.locator(".tweet")).to_have_count(1)
    checked = {"home": violations(page)}
    tweet_id = page.locator(".tweet").first.get_attribute("data-tweet-id")
    views = (("#/users/access", "@access"), ("#/notifications", "Notifications"), ("#/trends", "Trends"),
             ("#/public", "Everyone"), (f"#/tweets/{tweet_id}", "Tweet by @access"),
             ("#/search/accessible", "Search: accessible"), ("#/hashtags/a11y", "#a11y"),
             ("#/bookmarks", "Bookmarks"),
             ("#/blocked", "Blocked accounts"), ("#/muted", "Muted accounts"))
    for route, heading in views:
        page.goto(f"{site.base_url}/{route}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page.wait_for_load_state("networkidle")
        checked[route] = violations(page)
    assert checked == {name: [] for name in checked}
