"""No notification or tweet is ever shown twice, and a deleted one does not come back, whatever the
order in which a page fetch and the live stream bring them. Each race is forced, not hoped for:
the page's fetch is held by Playwright while the real server's event arrives, or every real event
is handed to the client twice.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.people import api_account, bearer, events, page_wait, sse_observer
from tests.web.test_client import LIVE_SECONDS, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def stream_is_open(page) -> bool:
    return "/stream open" in events(page)


def test_a_notification_arriving_during_the_page_fetch_is_listed_once(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    context.add_init_script(sse_observer())
    alice = sign_up(context, site.base_url, "alice")
    page_wait(alice, lambda: stream_is_open(alice), 20, "alice's stream to open")
    held = []
    alice.route(re.compile(r"/notifications\?limit=20$"), lambda route: held.append(route))
    alice.get_by_role("link", name=re.compile("Notifications")).click()
    page_wait(alice, lambda: held, 10, "the notifications fetch")

    bob = api_account(site, "bob")
    assert requests.post(site.url("/users/alice/follow"), headers=bearer(bob), timeout=10).status_code == 200
    follow = alice.locator(".notification", has_text="followed you")
    expect(follow).to_have_count(1, timeout=LIVE_SECONDS)  # from the stream, while the fetch waits
    held[0].continue_()  # the server answers now, with the same notification in the page
    expect(alice.locator(".notifications")).to_have_attribute("aria-busy", "false")
    notification_id = follow.get_attribute("data-notification-id")
    expect(alice.locator(f'[data-notification-id="{notification_id}"]')).to_have_count(1)
    expect(alice.locator("#unread-badge")).to_be_hidden()


def test_every_event_delivered_twice_shows_once_and_counts_once(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    context.add_init_script(sse_observer(double=True))
    alice = sign_up(context, site.base_url, "alice")
    alice_token = alice.evaluate("JSON.parse(localStorage.getItem('chirp.session')).access_token")
    page_wait(alice, lambda: stream_is_open(alice), 20, "alice's stream to open")

    posted = requests.post(site.url("/tweets"), json={"content": "posted elsewhere, streamed twice"},
                           headers=bearer(alice_token), timeout=10)
    assert posted.status_code == 201, posted.text
    expect(alice.locator(".tweet", has_text="streamed twice")).to_have_count(1, timeout=LIVE_SECONDS)

    bob = api_account(site, "bob")
    mention = requests.post(site.url("/tweets"), json={"content": "@alice once, not twice"},
                            headers=bearer(bob), timeout=10)
    assert mention.status_code == 201, mention.text
    expect(alice.locator("#unread-badge")).to_have_text("1", timeout=LIVE_SECONDS)
    assert any(event.startswith("notification ") for event in events(alice))  # delivered, and doubled
    alice.wait_for_timeout(500)  # a second, wrong increment would land within this
    expect(alice.locator("#unread-badge")).to_have_text("1")
    alice.get_by_role("link", name=re.compile("Notifications")).click()
    expect(alice.locator(".notification")).to_have_count(1)
    expect(alice.locator(".tweet", has_text="streamed twice")).to_have_count(0)  # another view now


def test_a_delete_that_overtakes_the_page_fetch_keeps_the_tweet_away(browser, site):
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    context.add_init_script(sse_observer())
    alice = sign_up(context, site.base_url, "alice")
    token = alice.evaluate("JSON.parse(localStorage.getItem('chirp.session')).access_token")
    ids = {}
    for text in ("this one stays", "this one is deleted"):
        answer = requests.post(site.url("/tweets"), json={"content": text}, headers=bearer(token), timeout=10)
        assert answer.status_code == 201, answer.text
        ids[text] = answer.json()["id"]
    held = []
    alice.route(re.compile(r"/timeline\?limit=20$"), lambda route: held.append(route))
    alice.goto(site.base_url + "/#/public")
    alice.reload()  # a fresh page and stream, whose Home fetch is held
    alice.goto(site.base_url + "/#/home")
    page_wait(alice, lambda: held and stream_is_open(alice), 20, "the held fetch and an open stream")
    stale = held[0].fetch()  # the page as the server gives it now, with both tweets
    assert ids["this one is deleted"] in stale.text()
    deleted = requests.delete(site.url(f"/tweets/{ids['this one is deleted']}"), headers=bearer(token), timeout=10)
    assert deleted.status_code == 204
    page_wait(alice, lambda: any(event.startswith("delete ") for event in events(alice)), 20, "the delete event")
    held[0].fulfill(response=stale)  # then the page's answer, still carrying the deleted tweet
    expect(alice.locator(".tweet", has_text="this one stays")).to_have_count(1)
    expect(alice.locator(f'[data-tweet-id="{ids["this one is deleted"]}"]')).to_have_count(0)
