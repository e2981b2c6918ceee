"""Safety in the web client, in a real browser: a person blocks someone from one of their tweets and
every tweet of theirs disappears without a reload, live ones included; the profile says "Blocked",
the list of blocked accounts undoes it; mute and report from a profile and a tweet. By role and
label, from the keyboard where a person would use it."""

from __future__ import annotations

import pytest

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.test_accessibility import violations
from tests.web.test_client import LIVE_SECONDS, go, post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def test_blocking_someone_takes_their_tweets_away_live(browser, site):
    alice = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "alice")
    bob = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "bob")
    carol = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "carol")
    problems = []
    bob.on("console", lambda message: message.type == "error" and problems.append(message.text))
    bob.on("pageerror", lambda error: problems.append(str(error)))

    post_tweet(alice, "first from alice")
    post_tweet(alice, "second from alice")
    go(bob, "Everyone", "Everyone")
    alices = bob.locator(".tweet", has_text="from alice")
    expect(alices).to_have_count(2)
    bob.evaluate("window.notReloaded = true")

    more = bob.get_by_role("button", name="More actions on @alice’s tweet").first
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(bob.get_by_role("button", name="Mute @alice").first).to_be_focused()
    bob.keyboard.press("Tab")
    expect(bob.get_by_role("button", name="Block @alice").first).to_be_focused()
    bob.keyboard.press("Enter")
    dialog = bob.get_by_role("dialog", name="Block @alice?")
    expect(dialog).to_be_visible()
    assert violations(bob) == []
    dialog.get_by_role("button", name="Block").click()
    expect(alices).to_have_count(0)
    expect(bob.locator("#safety-status")).to_have_text("You blocked @alice.")

    # What she posts now never reaches bob's open stream; carol's, posted after, does.
    post_tweet(alice, "third from alice, after the block")
    go(carol, "Everyone", "Everyone")
    post_tweet(carol, "carol was here")
    expect(bob.locator(".tweet", has_text="carol was here")).to_be_visible(timeout=LIVE_SECONDS)
    expect(alices).to_have_count(0)
    assert bob.evaluate("window.notReloaded") is True

    bob.goto(site.base_url + "/#/users/alice")
    expect(bob.get_by_role("heading", name="@alice")).to_be_visible()
    expect(bob.locator(".relation")).to_have_text("Blocked")
    expect(bob.get_by_role("button", name="Follow @alice")).to_have_count(0)
    expect(bob.locator(".tweet")).to_have_count(0)

    bob.goto(site.base_url + "/#/blocked")
    expect(bob.get_by_role("heading", name="Blocked accounts")).to_be_visible()
    undo = bob.get_by_role("button", name="Unblock @alice")
    expect(undo).to_have_attribute("aria-pressed", "true")
    assert violations(bob) == []
    undo.focus()
    bob.keyboard.press("Enter")
    expect(bob.get_by_role("button", name="Block @alice")).to_have_attribute("aria-pressed", "false")
    go(bob, "Everyone", "Everyone")
    expect(alices).to_have_count(3)

    # Mute from the profile: silent, shown as "Muted", listed with its undo.
    bob.goto(site.base_url + "/#/users/carol")
    bob.get_by_role("button", name="Mute @carol").click()
    expect(bob.locator(".relation")).to_have_text("Muted")
    expect(bob.get_by_role("button", name="Unmute @carol")).to_have_attribute("aria-pressed", "true")
    bob.goto(site.base_url + "/#/muted")
    expect(bob.get_by_role("button", name="Unmute @carol")).to_be_visible()

    # Report one of alice's tweets: a reason, then the moderators have it.
    go(bob, "Everyone", "Everyone")
    bob.get_by_role("button", name="More actions on @alice’s tweet").first.click()
    bob.get_by_role("button", name="Report this tweet by @alice").first.click()
    report = bob.get_by_role("dialog", name="Report this tweet by @alice")
    expect(report.get_by_label("What is wrong? (for the moderators)")).to_be_focused()
    bob.keyboard.type("Rude to me in replies")
    report.get_by_role("button", name="Send report").click()
    expect(bob.locator("#safety-status")).to_have_text("Thank you: the moderators will look at your report.")
    assert problems == []
