"""GET /search/tweets and /search/users: every word in any order, ignoring case and accents, in
several scripts; people by the start of their username or full name, then by what they contain."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.api.test_tweets import assert_problem, post_tweet


def search(client, kind: str, q: str, limit: int = 20, headers=None) -> list[dict]:
    """Every result of a search, page by page."""
    found, cursor = [], None
    while True:
        query = urllib.parse.urlencode({"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})})
        response = client.get(f"/search/{kind}?{query}", headers=headers or {})
        assert response.status_code == 200, response.json
        found += response.json["data"]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return found


def tweets_found(client, q: str, **options) -> list[str]:
    return [tweet["content"] for tweet in search(client, "tweets", q, **options)]


def test_every_word_in_any_order_ignoring_case_newest_first(client, alice_headers, bob_headers):
    for content in ["Quick brown fox", "the FOX is quick", "a quick dog", "foxes are quick",
                    "Quick, brown & sly: a fox!"]:
        post_tweet(client, alice_headers, content)
    assert tweets_found(client, "fox quick") == ["Quick, brown & sly: a fox!", "the FOX is quick", "Quick brown fox"]
    assert tweets_found(client, "QUICK Fox", limit=1) == tweets_found(client, "fox quick")
    assert tweets_found(client, "brown fox quick") == ["Quick, brown & sly: a fox!", "Quick brown fox"]
    assert tweets_found(client, "fox", headers=bob_headers)[-1] == "Quick brown fox"
    assert tweets_found(client, "wolf") == []
    # Punctuation is no word: "&", "!" and "-" are ignored, not special.
    assert tweets_found(client, "fox & quick!") == tweets_found(client, "fox quick")
    assert tweets_found(client, "-fox quick") == tweets_found(client, "fox quick")


@pytest.mark.parametrize("content, queries, misses", [
    ("Un café crème à Zürich", ["cafe", "CAFÉ", "creme zurich", "ZÜRICH café"], ["caf", "cafes"]),
    ("Straße in Łódź", ["strasse", "STRASSE", "lodz"], ["strase"]),
    ("Привет, МИР", ["привет", "мир ПРИВЕТ"], ["приве"]),
    ("Новогодняя Ёлка", ["ёлка", "елка", "ЕЛКА"], []),
    ("Καλημέρα κόσμε", ["καλημερα", "ΚΑΛΗΜΈΡΑ", "κοσμε"], ["καλη"]),
    ("東京タワー に行った", ["東京タワー", "に行った 東京タワー"], ["東京"]),
    ("ＦＵＬＬ width", ["full"], []),
    ("#Postgres and @alice", ["postgres", "#postgres", "alice"], []),
])
def test_accents_cases_and_scripts(client, alice_headers, content, queries, misses):
    post_tweet(client, alice_headers, content)
    for q in queries:
        assert tweets_found(client, q) == [content], q
    for q in misses:
        # Whole words only: no prefix or stemming, and a run of CJK characters is one word.
        assert tweets_found(client, q) == [], q


def test_a_query_of_no_word_finds_nothing(client, alice_headers):
    post_tweet(client, alice_headers, "something & more")
    assert tweets_found(client, "&&& !!") == []


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", f"q={'x' * 257}", "q=a&q=b", "q=tab%09here",
                                   "q=nul%00"])
@pytest.mark.parametrize("kind", ["tweets", "users"])
def test_a_missing_empty_long_or_repeated_query_is_400(client, kind, query):
    assert_problem(client.get(f"/search/{kind}?{query}"), 400)


def test_256_characters_are_allowed(client):
    assert client.get(f"/search/tweets?q={'x' * 256}").status_code == 200
    assert client.get(f"/search/users?q={'x' * 256}").status_code == 200


def test_a_cursor_of_one_query_is_refused_on_another(client, alice_headers):
    for number in range(3):
        post_tweet(client, alice_headers, f"same words {number}")
    cursor = client.get("/search/tweets?q=same&limit=1").json["next_cursor"]
    assert client.get(f"/search/tweets?q=same&limit=1&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"/search/tweets?q=words&cursor={cursor}"), 400)


@pytest.fixture
def people(client, new_user):
    """Profiles with usernames and full names that match "ann" in each rank."""
    names = {"annika": "Zed Person", "ann_b": None, "joanne": "Jo Anne", "bob_z": "Annabel Lee",
             "zoe": "Anneliese Ødegård", "carl": "Mariann", "dave": "Dave"}
    for username, full_name in names.items():
        _, headers = new_user(username)
        body = {"username": username, **({"full_name": full_name} if full_name else {})}
        assert client.put("/me", json=body, headers=headers).status_code == 200
    return names


def test_people_by_username_prefix_then_full_name_prefix_then_contained(client, people):
    found = [profile["username"] for profile in search(client, "users", "ANN")]
    # Usernames starting with it; full names starting with it (by name); then anything containing it.
    assert found == ["ann_b", "annika", "bob_z", "zoe", "carl", "joanne"]
    for limit in (1, 2, 4):
        assert [profile["username"] for profile in search(client, "users", "ann", limit=limit)] == found
    assert [profile["username"] for profile in search(client, "users", "odegard")] == ["zoe"]
    assert [profile["username"] for profile in search(client, "users", "ØDEGÅRD")] == ["zoe"]
    assert search(client, "users", "nobody") == []


def test_people_found_carry_the_callers_relation(client, people, alice_headers):
    client.post("/users/zoe/follow", headers=alice_headers)
    zoe = search(client, "users", "zoe", headers=alice_headers)[0]
    assert zoe["username"] == "zoe" and zoe["following"] is True and zoe["followed_by"] is False
    assert set(zoe) >= {"id", "username", "full_name", "avatar_url", "tweet_count", "follower_count"}


def test_a_users_cursor_is_checked(client, people):
    cursor = client.get("/search/users?q=ann&limit=1").json["next_cursor"]
    assert client.get(f"/search/users?q=ann&limit=1&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"/search/users?q=anne&cursor={cursor}"), 400)
    assert_problem(client.get("/search/users?q=ann&cursor=abc.def"), 400)
