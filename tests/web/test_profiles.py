"""Faces and profiles: a picture from an https avatar_url (sized, lazy, with alt), else initials on
a colour derived from the username; editing one's own name and picture from the profile page;
counts in the singular for one.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.web.conftest import PHONE_VIEWPORT
from tests.web.image_host import ImageHost
from tests.web.people import api_account, bearer
from tests.web.test_client import go, post_tweet, sign_up

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

BACKGROUND = "(node) => getComputedStyle(node).backgroundColor"


@pytest.fixture
def image_host(tmp_path):
    host = ImageHost(tmp_path)
    yield host
    host.close()


def contrast_with_white(rgb: str) -> float:
    """WCAG's contrast ratio of white text on the CSS colour `rgb(r, g, b)`."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(part) for part in re.findall(r"\d+", rgb)[:3])
    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


def test_editing_ones_profile_shows_the_picture(browser, site, image_host):
    context = browser.new_context(viewport=PHONE_VIEWPORT, ignore_https_errors=True)
    page = sign_up(context, site.base_url, "ada")
    post_tweet(page, "Notes on the analytical engine")
    go(page, "Profile", "@ada")
    expect(page.locator(".profile .avatar.initials")).to_have_text("AD")
    page.get_by_role("button", name="Edit profile").click()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Picture’s address").fill("http://insecure.example.test/ada.png")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_label("Picture’s address")).to_have_js_property("validity.valid", False)  # https only
    page.get_by_label("Picture’s address").fill(f"{image_host.base_url}/ada.png")
    page.get_by_role("button", name="Save profile").click()

    expect(page.locator(".profile .full-name")).to_have_text("Ada Lovelace")
    picture = page.get_by_role("img", name="Picture of @ada")
    expect(picture).to_have_attribute("src", f"{image_host.base_url}/ada.png")
    for name, value in (("width", "80"), ("height", "80"), ("loading", "lazy")):
        expect(picture).to_have_attribute(name, value)
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("(image) => image.naturalWidth") == 128  # really fetched over https
    tweet_face = page.locator(".tweet .author img.avatar").first
    expect(tweet_face).to_have_attribute("alt", "")  # the name is written beside it, in the same link
    expect(tweet_face).to_have_attribute("loading", "lazy")
    expect(page.locator("#account-avatar img")).to_have_count(1)
    saved = requests.get(site.url("/users/ada"), timeout=10).json()
    assert (saved["full_name"], saved["avatar_url"]) == ("Ada Lovelace", f"{image_host.base_url}/ada.png")

    page.get_by_role("button", name="Edit profile").click()
    page.get_by_label("Picture’s address").fill(f"{image_host.base_url}/missing")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".profile .avatar.initials")).to_have_text("AL")  # a picture that fails: initials


def test_initials_on_a_colour_of_ones_own_and_counts_in_the_singular(browser, site):
    bob = api_account(site, "bob", full_name="Bob Stone", avatar_url="http://insecure.example.test/bob.png")
    posted = requests.post(site.url("/tweets"), json={"content": "The only tweet, #solo"}, headers=bearer(bob), timeout=10)
    assert posted.status_code == 201
    page = sign_up(browser.new_context(viewport=PHONE_VIEWPORT), site.base_url, "carol")
    page.goto(site.base_url + "/#/users/bob")
    page.get_by_role("button", name="Follow @bob").click()
    expect(page.locator(".counts")).to_have_text("1 tweet · 1 follower · 0 following")

    face = page.get_by_role("img", name="Picture of @bob")
    expect(face).to_have_text("BS")
    expect(page.locator(".profile img")).to_have_count(0)  # an http picture is never loaded
    colour = face.evaluate(BACKGROUND)
    assert colour.startswith("rgb(") and contrast_with_white(colour) >= 4.5
    assert page.locator(".tweet .avatar").first.evaluate(BACKGROUND) == colour  # the same face everywhere
    carol_colour = page.locator("#account-avatar .avatar").evaluate(BACKGROUND)
    assert carol_colour != colour and contrast_with_white(carol_colour) >= 4.5

    go(page, "Trends", "Trends")
    expect(page.locator(".trends li", has_text="#solo")).to_have_text("#solo 1 tweet")
