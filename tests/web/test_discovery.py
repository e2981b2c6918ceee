"""Discovery in a real browser: a person searches, opens a thread from the results, replies in it,
reposts and bookmarks, and after a reload the page still shows what they did (the server's flags).

A real gunicorn and a real consumer (counts and hashtag timelines are the consumer's); the
screenshots of a search and of a thread land in docs/ for the README.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import requests

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.people import api_account, bearer, events, page_wait, sse_observer
from tests.web.test_client import LIVE_SECONDS, go, post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

# Where the screenshots go: docs/ when asked (SCREENSHOTS=docs, to refresh the README's pictures),
# else a temporary folder, so that a test run leaves the checkout as it was.
DOCS = Path(__file__).resolve().parents[2] / "docs" if os.environ.get("SCREENSHOTS") == "docs" \
    else Path(tempfile.mkdtemp(prefix="chirp-screenshots-"))


def search(page, words: str):
    page.get_by_label("Search tweets and people").fill(words)
    page.get_by_label("Search tweets and people").press("Enter")
    expect(page.get_by_role("heading", name=f"Search: {words}")).to_be_visible()


def test_a_person_searches_opens_a_thread_replies_and_reposts(browser, site):
    bob = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "bob_grows")
    post_tweet(bob, "Tomatoes love the #summer sun, says Bob")
    post_tweet(bob, "Potatoes prefer the shade")
    alice = sign_up(browser.new_context(viewport={"width": 1024, "height": 900}), site.base_url, "alice")
    problems = []
    alice.on("pageerror", lambda error: problems.append(str(error)))
    alice.on("console", lambda message: message.type == "error" and problems.append(message.text))

    # Words in any order and case; people by the start of their name.
    search(alice, "SUN tomatoes")
    results = alice.get_by_role("region", name="Tweets matching SUN tomatoes")
    expect(results.locator(".tweet")).to_have_count(1)
    expect(results.locator(".tweet .content")).to_have_text("Tomatoes love the #summer sun, says Bob")
    search(alice, "bob")
    expect(alice.get_by_role("list", name="People found").get_by_role("link", name="@bob_grows")).to_be_visible()
    expect(alice.get_by_role("region", name="Tweets matching bob").locator(".tweet")).to_have_count(1)
    alice.screenshot(path=str(DOCS / "search.png"))

    # Open the thread from a result, reply in it: the reply shows under the tweet.
    search(alice, "tomatoes")
    alice.get_by_role("region", name="Tweets matching tomatoes").locator(".permalink").first.click()
    expect(alice.get_by_role("heading", name="Tweet by @bob_grows")).to_be_visible()
    expect(alice.get_by_text("Replying to @bob_grows")).to_be_visible()
    alice.get_by_label("What’s happening?").fill("@bob_grows mine too, on the balcony")
    alice.get_by_role("button", name="Post", exact=True).click()
    replies = alice.get_by_role("region", name="Replies")
    expect(replies.locator(".tweet", has_text="on the balcony")).to_be_visible()

    main = alice.locator(".tweet.focused")
    main.get_by_role("button", name="Repost").click()
    expect(main.get_by_role("button", name="Undo repost")).to_have_attribute("aria-pressed", "true")
    expect(main.locator(".reposts")).to_have_text("1 repost")
    main.get_by_role("button", name="Bookmark").click()
    expect(main.get_by_role("button", name="Remove bookmark")).to_have_attribute("aria-pressed", "true")

    # After a reload, the pressed states and counts are the server's (the consumer's counts).
    alice.reload()
    main = alice.locator(".tweet.focused")
    expect(main.get_by_role("button", name="Undo repost")).to_have_attribute("aria-pressed", "true")
    expect(main.get_by_role("button", name="Remove bookmark")).to_have_attribute("aria-pressed", "true")
    expect(main.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "false")
    expect(main.locator(".reposts")).to_have_text("1 repost", timeout=LIVE_SECONDS)
    expect(main.locator(".replies")).to_have_text("1 reply", timeout=LIVE_SECONDS)
    alice.screenshot(path=str(DOCS / "thread.png"), full_page=True)

    # The repost is on alice's page, saying so; the bookmark in her bookmarks.
    alice.get_by_role("link", name="Profile").click()
    reposted = alice.locator(".tweet", has_text="Tomatoes love")
    expect(reposted.locator(".reposted-by")).to_have_text("Reposted by @alice")
    go(alice, "Bookmarks", "Bookmarks")
    expect(alice.locator(".tweet .content")).to_have_text(["Tomatoes love the #summer sun, says Bob"])

    # A hashtag is a link to its timeline; a quote carries the quoted tweet.
    alice.locator(".tweet .content").get_by_role("link", name="#summer").click()
    expect(alice.get_by_role("heading", name="#summer")).to_be_visible()
    expect(alice.locator(".tweet", has_text="Tomatoes love")).to_be_visible(timeout=LIVE_SECONDS)
    alice.locator(".tweet", has_text="Tomatoes love").get_by_role("button", name=re.compile("^Quote")).click()
    expect(alice.get_by_role("heading", name="Home")).to_be_visible()
    expect(alice.get_by_text(re.compile("Quoting @bob_grows"))).to_be_visible()
    alice.get_by_label("What’s happening?").fill("Best advice this year")
    alice.get_by_role("button", name="Post", exact=True).click()
    quote = alice.locator(".tweet", has_text="Best advice this year")
    expect(quote.locator(".quote .content")).to_have_text("Tomatoes love the #summer sun, says Bob")
    assert problems == []


def test_replies_posted_elsewhere_arrive_live_in_an_open_thread(browser, site):
    """bob has his tweet open; replies that others post over the API come under it in conversation
    order, each at its depth, and a deleted one goes; a reply's reply too."""
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    context.add_init_script(sse_observer())
    bob = sign_up(context, site.base_url, "bob_threads")
    post_tweet(bob, "Who else grows beans?")
    bob.locator(".tweet", has_text="grows beans").locator(".permalink").click()
    expect(bob.get_by_role("heading", name="Tweet by @bob_threads")).to_be_visible()
    page_wait(bob, lambda: "/stream/public open" in events(bob), 20, "the thread's stream to open")
    root_id = bob.locator(".tweet.focused .permalink").get_attribute("href").rsplit("/", 1)[1]

    alice, carol = api_account(site, "alice_beans"), api_account(site, "carol_beans")

    def reply(token: str, content: str, to: str) -> dict:
        answer = requests.post(site.url("/tweets"), json={"content": content, "reply_to_id": to},
                               headers=bearer(token), timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()

    first = reply(alice, "Runner beans, every year", root_id)
    reply(carol, "Which kind, alice?", first["id"])
    reply(carol, "Me! Broad beans", root_id)
    replies = bob.get_by_role("region", name="Replies").locator(".tweet .content")
    expect(replies).to_have_text(["Runner beans, every year", "Which kind, alice?", "Me! Broad beans"],
                                 timeout=LIVE_SECONDS)
    expect(bob.locator(".tweet.depth-2", has_text="Which kind")).to_be_visible()
    unrelated = requests.post(site.url("/tweets"), json={"content": "Not about beans"}, headers=bearer(alice),
                              timeout=10)
    assert unrelated.status_code == 201
    assert requests.delete(site.url(f"/tweets/{first['id']}"), headers=bearer(alice), timeout=10).status_code == 204
    expect(replies).to_have_text(["Which kind, alice?", "Me! Broad beans"], timeout=LIVE_SECONDS)
    expect(bob.get_by_text("Not about beans")).to_have_count(0)
