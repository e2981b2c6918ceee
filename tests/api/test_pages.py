"""Cursors are bound to the list they came from; repeated query parameters are refused in any order."""

from __future__ import annotations

import base64
import json
import re

import pytest

from api.http import pages
from tests.api.test_tweets import assert_problem, post_tweet


def tweets_cursor(client, headers) -> str:
    """A next_cursor of GET /tweets, with three tweets posted so that a second page exists."""
    for number in range(3):
        post_tweet(client, headers, f"tweet {number} @bob")
    cursor = client.get("/tweets?limit=1").json["next_cursor"]
    assert cursor is not None
    return cursor


def test_a_cursor_from_another_list_is_400(client, alice_headers, bob_headers):
    cursor = tweets_cursor(client, alice_headers)
    assert client.get(f"/tweets?limit=1&cursor={cursor}").status_code == 200
    for path, headers in [("/notifications", bob_headers), ("/timeline", alice_headers),
                          ("/users/alice/tweets", {})]:
        response = client.get(f"{path}?cursor={cursor}", headers=headers)
        assert_problem(response, 400)
        assert "another list" in response.json["detail"]


def test_a_cursor_of_one_users_list_is_refused_on_anothers(client, alice_headers, bob_headers):
    for number in range(3):
        post_tweet(client, alice_headers, f"alice {number}")
        post_tweet(client, bob_headers, f"bob {number}")
    cursor = client.get("/users/alice/tweets?limit=1").json["next_cursor"]
    assert client.get(f"/users/ALICE/tweets?limit=1&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"/users/bob/tweets?limit=1&cursor={cursor}"), 400)
    timeline_cursor = client.get("/timeline?limit=1", headers=alice_headers).json["next_cursor"]
    assert_problem(client.get(f"/timeline?cursor={timeline_cursor}", headers=bob_headers), 400)


def test_a_forged_or_altered_cursor_is_400(client, alice_headers):
    cursor = tweets_cursor(client, alice_headers)
    payload, check = cursor.split(".")
    raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[2] = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    for bad in [f"{forged}.{check}", payload, f"{payload}.{'A' * 16}", cursor[:-1] + "."]:
        assert_problem(client.get(f"/tweets?cursor={bad}"), 400)


def test_issued_cursors_match_the_published_pattern(client, alice_headers):
    assert re.fullmatch(pages.CURSOR_PATTERN, tweets_cursor(client, alice_headers))


@pytest.mark.parametrize("query", ["limit=5&limit=abc", "limit=abc&limit=5", "limit=5&limit=5",
                                   "cursor=a&cursor=b"])
def test_a_repeated_query_parameter_is_400_whatever_the_order(client, query):
    response = client.get(f"/tweets?{query}")
    assert_problem(response, 400)
    assert "more than once" in response.json["detail"]


def test_unread_given_twice_is_400(client, alice_headers):
    assert_problem(client.get("/notifications?unread=true&unread=false", headers=alice_headers), 400)
