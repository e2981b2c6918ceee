"""The web client in a real browser: two people sign up, follow, mention, and see it live.

Everything goes through the page as a person would use it (labels, buttons, keyboard text), on a
real gunicorn with a real consumer, so a mention's notification travels trigger → queue →
consumer → live event → the other browser, without a reload.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.helpers.waiting import wait_until
from tests.web.conftest import PHONE_VIEWPORT
from tests.web.people import page_wait

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

PASSWORD = "a password of some length"
LIVE_SECONDS = 20_000  # ms: a consumer's lag plus a stream's (re)connection, with room to spare


def sign_up(context, base_url: str, username: str):
    """A new account through the page: sign-up form, then the username form; lands on Home."""
    page = context.new_page()
    page.goto(base_url + "/#/sign-in")
    page.get_by_label("Email").fill(f"{username}-{uuid.uuid4().hex[:6]}@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Choose a username")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(f"@{username}")
    return page


def go(page, link: str, heading: str):
    """Follow a navigation link and wait for its view, so nothing is typed into the view it replaces."""
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def post_tweet(page, text: str):
    page.get_by_label("What’s happening?").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_label("What’s happening?")).to_have_value("")


def test_two_people_follow_mention_and_see_it_live(browser, site, screenshot_path):
    """Follow, a live home timeline, a live mention with its unread badge, mark as read, text stays text."""
    alice_context = browser.new_context(viewport=PHONE_VIEWPORT)
    bob_context = browser.new_context(viewport={"width": 1024, "height": 760})
    alice = sign_up(alice_context, site.base_url, "alice")
    bob = sign_up(bob_context, site.base_url, "bob")
    problems = []
    for page in (alice, bob):
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))

    bob.goto(site.base_url + "/#/users/alice")
    bob.get_by_role("button", name="Follow @alice").click()
    expect(bob.get_by_role("button", name="Unfollow @alice")).to_have_attribute("aria-pressed", "true")

    go(bob, "Home", "Home")
    post_tweet(bob, 'Hi @alice <script>window.pwned = 1</script><img src=x onerror="window.pwned = 1">')
    expect(alice.locator("#unread-badge")).to_have_text("2", timeout=LIVE_SECONDS)  # the follow and the mention

    alice.get_by_role("link", name=re.compile("Notifications")).click()
    expect(alice.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(alice.locator(".notification", has_text="followed you")).to_have_count(1)
    mention = alice.locator(".notification", has_text="mentioned you")
    expect(mention).to_have_count(1)
    expect(alice.locator("#unread-badge")).to_be_hidden()  # seen, so read
    mention.get_by_role("link", name="View the tweet").click()
    expect(alice.get_by_role("heading", name="Tweet by @bob")).to_be_visible()
    expect(alice.locator(".tweet .content")).to_contain_text("<script>window.pwned = 1</script>")

    tweet = bob.locator(".tweet", has_text="Hi @alice").first
    expect(tweet.locator(".content")).to_contain_text("<script>window.pwned = 1</script><img src=x")
    assert tweet.locator(".content script, .content img").count() == 0
    assert bob.evaluate("window.pwned") is None

    go(alice, "Home", "Home")
    post_tweet(alice, "Hello #chirp from @alice, live in bob's home")
    expect(bob.locator(".tweet", has_text="live in bob's home")).to_be_visible(timeout=LIVE_SECONDS)
    bob.get_by_role("button", name="Reply to @alice").first.click()
    expect(bob.get_by_label("What’s happening?")).to_be_focused()
    bob.keyboard.type("Welcome!")
    bob.get_by_role("button", name="Post", exact=True).click()
    expect(bob.locator(".tweet", has_text="@alice Welcome!")).to_be_visible()
    bob.locator(".tweet", has_text="live in bob's home").get_by_role("button", name="Like").click()
    expect(bob.locator(".tweet", has_text="live in bob's home").locator(".likes")).to_have_text("1 like")

    bob.screenshot(path=str(screenshot_path))

    go(alice, "Everyone", "Everyone")
    expect(alice.locator(".tweet", has_text="@alice Welcome!")).to_be_visible()
    bob.on("dialog", lambda dialog: dialog.accept())
    bob.locator(".tweet", has_text="@alice Welcome!").get_by_role("button", name="Delete your tweet").click()
    expect(bob.locator(".tweet", has_text="@alice Welcome!")).to_have_count(0)
    expect(alice.locator(".tweet", has_text="@alice Welcome!")).to_have_count(0, timeout=LIVE_SECONDS)
    go(bob, "Home", "Home")
    post_tweet(bob, "Everyone sees this one arrive")
    expect(alice.locator(".tweet", has_text="Everyone sees this one arrive")).to_be_visible(timeout=LIVE_SECONDS)
    assert problems == []


def test_load_more_follows_the_cursor(browser, site):
    """Twenty tweets a page; "Load more" brings the rest, oldest last, then goes away."""
    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "pager")
    token = page.evaluate("JSON.parse(localStorage.getItem('chirp.session')).access_token")
    for number in range(1, 23):
        response = requests.post(site.url("/tweets"), json={"content": f"tweet number {number}"},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 201, response.text
    page.get_by_role("link", name="Everyone").click()
    expect(page.locator(".tweet")).to_have_count(20)
    page.get_by_role("button", name="Load more").click()
    expect(page.locator(".tweet")).to_have_count(22)
    expect(page.locator(".tweet").last).to_contain_text("tweet number 1")
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()


def test_counter_counts_code_points_after_nfc_and_refuses_281(browser, site):
    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "counter")
    text = page.get_by_label("What’s happening?")
    post = page.get_by_role("button", name="Post", exact=True)
    text.fill("e\u0301" * 280)  # 560 code points, 280 after NFC: allowed
    expect(page.locator("#compose-counter")).to_have_text("280 / 280")
    expect(post).to_be_enabled()
    text.press("End")
    text.press_sequentially("!")
    expect(page.locator("#compose-counter")).to_have_text("281 / 280")
    expect(post).to_be_disabled()
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#compose-alert")).to_contain_text("over the limit")
    text.press("Enter")  # a newline, not a submission; the form still refuses
    text.press("Backspace")
    text.press("Backspace")
    expect(post).to_be_enabled()
    post.click()
    expect(page.locator(".tweet .content").first).to_have_text("é" * 280)


def choose_a_taken_username(page, site, username: str) -> None:
    """Create a new account on `page` and ask for `username`, which someone has: the 409 is shown."""
    page.goto(site.base_url + "/#/sign-in")
    page.get_by_label("Email").fill(f"other-{uuid.uuid4().hex[:6]}@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("username is taken")


def test_refusals_show_the_problem_detail(browser, site):
    """A taken username's 409 is shown in the words of the problem's detail."""
    sign_up(browser.new_context(), site.base_url, "taken")
    page = browser.new_context().new_page()
    choose_a_taken_username(page, site, "TAKEN")
    page.get_by_role("button", name="Sign out").click()
    page.goto(site.base_url + "/#/sign-in")
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid login credentials")


def test_a_refusal_stays_shown_when_a_background_request_succeeds_after_it(browser, site):
    """The race that once made a refusal vanish, forced: the unread notifications' fetch that signing
    in starts is held until the username form's 409 is shown, then answers 200; the refusal stays."""
    sign_up(browser.new_context(), site.base_url, "holder")
    page = browser.new_context().new_page()
    held = []
    page.route(re.compile(r"/notifications\?unread=true"), lambda route: held.append(route))
    choose_a_taken_username(page, site, "HOLDER")
    page_wait(page, lambda: held, 10, "the unread notifications' fetch")
    with page.expect_response(re.compile(r"/notifications\?unread=true")) as answered:
        for route in held:
            route.continue_()
    assert answered.value.status == 200
    page.wait_for_timeout(300)  # the page's handler of that answer has run
    expect(page.get_by_role("alert")).to_have_text("username is taken")


def test_page_policy_allows_no_inline_script(site):
    response = requests.get(site.url("/"), timeout=10)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<script>" not in response.text  # the one script is a module loaded from a file


def test_a_lost_connection_is_shown_and_recovered_from(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    page = sign_up(context, site.base_url, "offline")
    post_tweet(page, "before the connection went away")
    context.set_offline(True)
    page.get_by_role("link", name="Everyone").click()
    expect(page.locator("#connection")).to_have_text("Connection lost. Reconnecting…")
    context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("Back online.", timeout=15_000)
    expect(page.locator(".tweet", has_text="before the connection went away")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()


def test_the_access_token_is_refreshed_before_it_expires(browser, site):
    """A session a minute from expiry is refreshed at once: a new refresh token, and the page still works."""
    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "refresher")
    before = page.evaluate("JSON.parse(localStorage.getItem('chirp.session'))")
    page.evaluate("""() => {
        const saved = JSON.parse(localStorage.getItem('chirp.session'));
        saved.expires_at = Math.floor(Date.now() / 1000) + 61;
        localStorage.setItem('chirp.session', JSON.stringify(saved));
    }""")
    page.reload()
    # Polled from here: wait_for_function would evaluate a string in the page, which its CSP forbids.
    def refreshed():
        """The saved session, once its refresh token changed."""
        now = page.evaluate("JSON.parse(localStorage.getItem('chirp.session'))")
        return now if now["refresh_token"] != before["refresh_token"] else None

    after = wait_until(refreshed, 15, "the session to be refreshed")
    assert after["access_token"] != before["access_token"] and after["expires_at"] > before["expires_at"] - 5
    assert before["access_token"] not in page.url and after["access_token"] not in page.url
    post_tweet(page, "still signed in after a refresh")
    expect(page.locator(".tweet", has_text="still signed in after a refresh")).to_be_visible()
