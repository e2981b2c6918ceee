"""Made for a phone first: at 390 × 844 nothing is wider than the screen, the navigation is a bar
at the bottom visible without scrolling, every control is a 44 px touch target, and the composer
sits in the lower half, where a thumb reaches. From 600 px up the navigation joins the header.
The phone screenshots in docs/ are taken here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import requests

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.people import api_account, bearer
from tests.web.test_client import go, post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

# Where the screenshots go: docs/ when asked (SCREENSHOTS=docs, to refresh the README's pictures),
# else a temporary folder, so that a test run leaves the checkout as it was.
DOCS = Path(__file__).resolve().parents[2] / "docs" if os.environ.get("SCREENSHOTS") == "docs" \
    else Path(tempfile.mkdtemp(prefix="chirp-screenshots-"))
TOUCH_PIXELS = 44
# Links inside running text (a mention in a tweet) are exempt, as WCAG 2.5.8 exempts inline targets.
TARGETS = "button, input, textarea, nav a, header.site a, .tweet header a, .reply-to a, .notification a"

WIDER_THAN_THE_SCREEN = """(width) => [...document.querySelectorAll('body *')]
  .filter((node) => {
    const box = node.getBoundingClientRect();
    return box.width && (box.left < -0.5 || box.right > width + 0.5);
  })
  .filter((node) => !node.closest('.skip, .visually-hidden') && getComputedStyle(node).position !== 'absolute')
  .map((node) => node.outerHTML.slice(0, 80))"""

SMALL_TARGETS = """([selector, minimum]) => [...document.querySelectorAll(selector)]
  .filter((node) => node.getClientRects().length && !node.closest('.skip'))
  .filter((node) => { const box = node.getBoundingClientRect(); return box.height < minimum - 0.5
      || (node.matches('button, nav a') && box.width < minimum - 0.5); })
  .map((node) => {
    const box = node.getBoundingClientRect();
    return `${node.outerHTML.slice(0, 60)}: ${Math.round(box.width)}×${Math.round(box.height)}`;
  })"""


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def a_busy_timeline(site, page):
    """Someone to follow with tweets, a reply and a like, so a timeline scrolls."""
    token = api_account(site, "grace", full_name="Grace Hopper")
    for number in range(1, 13):
        answer = requests.post(site.url("/tweets"), json={"content": f"Tweet {number} from a phone-sized #chirp day"},
                               headers=bearer(token), timeout=10)
        assert answer.status_code == 201, answer.text
    go(page, "Everyone", "Everyone")
    page.goto(page.url.split("#")[0] + "#/users/grace")
    page.get_by_role("button", name="Follow @grace").click()
    expect(page.get_by_role("button", name="Unfollow @grace")).to_be_visible()


def test_the_phone_layout(browser, site):
    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "thumb")
    a_busy_timeline(site, page)
    go(page, "Home", "Home")
    post_tweet(page, "Hello from a phone, @grace #chirp")
    expect(page.locator(".tweet")).to_have_count(13)
    width, height = PHONE_VIEWPORT["width"], PHONE_VIEWPORT["height"]

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(WIDER_THAN_THE_SCREEN, width) == []
    assert page.evaluate(SMALL_TARGETS, [TARGETS, TOUCH_PIXELS]) == []
    assert box(page, "header.site")["height"] <= 60  # one compact row, not a fifth of the screen
    for name in ("Home", "Everyone", "Trends", "Profile"):
        link = page.get_by_role("navigation").get_by_role("link", name=name, exact=True)
        expect(link).to_be_in_viewport()
    navigation = box(page, "nav")
    assert navigation["y"] + navigation["height"] <= height and navigation["y"] >= height - 80
    for control in ("#compose-text", "#compose-submit"):
        assert box(page, control)["y"] >= height / 2, f"{control} is out of a thumb's reach"
    page.screenshot(path=str(DOCS / "phone-home.png"))

    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") > 0
    expect(page.get_by_role("navigation").get_by_role("link", name="Home")).to_be_in_viewport()
    expect(page.locator("#compose-submit")).to_be_in_viewport()

    page.goto(site.base_url + "/#/users/grace")
    expect(page.get_by_role("heading", name="@grace")).to_be_visible()
    expect(page.locator(".tweet")).to_have_count(12)
    expect(page.get_by_role("button", name="Block @grace")).to_be_visible()
    assert page.evaluate(WIDER_THAN_THE_SCREEN, width) == []
    assert page.evaluate(SMALL_TARGETS, [TARGETS, TOUCH_PIXELS]) == []
    page.screenshot(path=str(DOCS / "phone-profile.png"))

    # A tweet's "More" menu open (mute, block, report), one's own profile with its safety links.
    page.get_by_role("button", name="More actions on @grace’s tweet").first.click()
    expect(page.get_by_role("button", name="Report this tweet by @grace").first).to_be_visible()
    assert page.evaluate(WIDER_THAN_THE_SCREEN, width) == []
    assert page.evaluate(SMALL_TARGETS, [TARGETS + ", .safety-links a", TOUCH_PIXELS]) == []
    page.get_by_role("navigation").get_by_role("link", name="Profile", exact=True).click()
    expect(page.get_by_role("link", name="Blocked accounts")).to_be_visible()
    assert page.evaluate(WIDER_THAN_THE_SCREEN, width) == []
    assert page.evaluate(SMALL_TARGETS, [TARGETS + ", .safety-links a", TOUCH_PIXELS]) == []


def test_a_wider_screen_puts_the_navigation_in_the_header(browser, site):
    page = sign_up(browser.new_context(viewport={"width": 1024, "height": 768}), site.base_url, "wide")
    header, navigation = box(page, "header.site"), box(page, "nav")
    assert navigation["y"] >= header["y"] and navigation["y"] + navigation["height"] <= header["y"] + header["height"]
    assert header["height"] <= 60
    expect(page.get_by_role("navigation").get_by_text("Notifications")).to_be_visible()
    assert box(page, "#compose-text")["y"] < 300  # inline at the top of Home, not docked
    assert page.evaluate(SMALL_TARGETS, [TARGETS, TOUCH_PIXELS]) == []
