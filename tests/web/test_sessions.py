"""Staying signed in: a new tab and a restarted browser are still signed in (the session is in
localStorage), tabs refresh the rotating refresh token one at a time, and signing out in one tab
signs out every tab.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGUMENTS, PHONE_VIEWPORT
from tests.web.people import page_wait
from tests.web.test_client import post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

SAVED_SESSION = "JSON.parse(localStorage.getItem('chirp.session'))"


def expect_signed_in(page, username: str):
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(f"@{username}")


def test_a_new_tab_is_signed_in(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    first = sign_up(context, site.base_url, "tabby")
    post_tweet(first, "from the first tab")
    second = context.new_page()
    second.goto(site.base_url + "/#/home")
    expect_signed_in(second, "tabby")
    expect(second.locator(".tweet", has_text="from the first tab")).to_be_visible()
    assert second.evaluate(SAVED_SESSION)["access_token"] not in second.url


def test_a_restarted_browser_is_signed_in(browser, site, tmp_path):
    """A persistent profile, as a person's browser has: closed, started again, still signed in."""
    def launch():
        return browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGUMENTS, headless=True,
            viewport=PHONE_VIEWPORT)

    context = launch()
    sign_up(context, site.base_url, "restart")
    context.close()
    context = launch()
    try:
        page = context.new_page()
        page.goto(site.base_url + "/")
        expect_signed_in(page, "restart")
        post_tweet(page, "after a restart")
    finally:
        context.close()


def test_signing_out_in_one_tab_signs_out_every_tab(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    first = sign_up(context, site.base_url, "leaver")
    second = context.new_page()
    second.goto(site.base_url + "/#/home")
    expect_signed_in(second, "leaver")
    first.get_by_role("button", name="Sign out").click()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(second.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(second.locator("#account-name")).to_have_text("")
    assert second.evaluate("localStorage.getItem('chirp.session')") is None
    second.reload()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible()


def test_two_tabs_due_at_once_refresh_once_and_stay_signed_in(browser, site):
    """Both tabs learn at the same moment that the token is due; the refresh token is spent once.

    A spent refresh token presented again ends the whole session, so two tabs that both spent the
    one they had would sign everyone out: one refreshes, the other waits and takes its session.
    """
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    first = sign_up(context, site.base_url, "twotabs")
    second = context.new_page()
    second.goto(site.base_url + "/#/home")
    expect_signed_in(second, "twotabs")
    before = first.evaluate(SAVED_SESSION)
    # Written in the first tab (the second hears a storage event) and announced to the first the
    # same way, so both refresh at once.
    first.evaluate("""() => {
        const saved = JSON.parse(localStorage.getItem('chirp.session'));
        saved.expires_at = Math.floor(Date.now() / 1000) + 30;
        const value = JSON.stringify(saved);
        localStorage.setItem('chirp.session', value);
        window.dispatchEvent(new StorageEvent('storage', { key: 'chirp.session', newValue: value }));
    }""")

    def refreshed():
        now = first.evaluate(SAVED_SESSION)
        return now and now["refresh_token"] != before["refresh_token"] and now

    after = page_wait(first, refreshed, 15, "the session to be refreshed")
    first.wait_for_timeout(1000)  # a second refresh, and the sign-out it would cause, would be done by now
    assert first.evaluate(SAVED_SESSION) == after
    for page in (first, second):
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    post_tweet(second, "the second tab took the first tab's session")
    expect(second.locator(".tweet", has_text="took the first tab's session")).to_be_visible()
