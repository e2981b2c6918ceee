"""/users/{username}, /users/{username}/tweets, /me, follows and the home timeline."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import bearer, make_token
from tests.api.test_tweets import assert_problem, post_tweet


def test_profile_found_ignoring_case_with_counters(client, postgresql, alice):
    postgresql.execute(
        "insert into public.profile_counters values (%s, 3, 2, 1)", (alice,))
    postgresql.commit()
    profile = client.get("/users/ALICE").json
    assert profile["id"] == str(alice) and profile["username"] == "alice"
    assert (profile["tweet_count"], profile["follower_count"], profile["following_count"]) == (3, 2, 1)


def test_uncounted_profile_has_zero_counts(client, bob):
    profile = client.get("/users/bob").json
    assert (profile["tweet_count"], profile["follower_count"], profile["following_count"]) == (0, 0, 0)


@pytest.mark.parametrize("username", ["nobody", "no", "with-dash", "x" * 16])
def test_unknown_or_impossible_username_is_404(client, username):
    assert_problem(client.get(f"/users/{username}"), 404)
    assert_problem(client.get(f"/users/{username}/tweets"), 404)


def test_a_users_tweets_only_theirs_paged(client, alice_headers, bob_headers):
    mine = [post_tweet(client, alice_headers, f"a{number}").json["id"] for number in range(3)]
    post_tweet(client, bob_headers, "b")
    first = client.get("/users/alice/tweets?limit=2").json
    second = client.get(f"/users/alice/tweets?limit=2&cursor={first['next_cursor']}").json
    assert [t["id"] for t in first["data"] + second["data"]] == list(reversed(mine))
    assert second["next_cursor"] is None


def test_put_me_creates_then_updates_the_profile(client, postgresql):
    user_id = uuid.uuid4()
    postgresql.execute("insert into auth.users (id, aud, role) values (%s, 'authenticated', 'authenticated')",
                       (user_id,))
    postgresql.commit()
    headers = bearer(make_token(user_id))
    assert_problem(client.get("/me", headers=headers), 404)
    created = client.put("/me", json={"username": "Carol", "full_name": " Carol C. "}, headers=headers)
    assert created.status_code == 200
    assert created.json["username"] == "Carol" and created.json["full_name"] == "Carol C."
    updated = client.put("/me", json={"username": "carol_2", "avatar_url": "https://a.example/c.png"},
                         headers=headers)
    assert updated.json["username"] == "carol_2" and updated.json["full_name"] is None
    assert client.get("/me", headers=headers).json == updated.json
    assert client.get("/users/carol_2").json["id"] == str(user_id)


def test_put_me_with_a_taken_username_is_409(client, alice, bob_headers):
    assert_problem(client.put("/me", json={"username": "ALICE"}, headers=bob_headers), 409)


@pytest.mark.parametrize("body", [{}, {"username": "ab"}, {"username": "bad name"}, {"username": 5},
                                  {"username": "bob", "full_name": "x" * 101},
                                  {"username": "bob", "full_name": "nul\x00"},
                                  {"username": "bob", "avatar_url": "y" * 2049},
                                  {"username": "bob", "admin": True}])
def test_put_me_with_invalid_fields_is_422(client, bob_headers, body):
    assert_problem(client.put("/me", json=body, headers=bob_headers), 422)


def test_me_requires_a_user(client):
    assert_problem(client.get("/me"), 401)
    assert_problem(client.put("/me", json={"username": "someone"}), 401)


def test_follow_and_unfollow_are_idempotent(client, postgresql, alice, bob, alice_headers):
    for _ in range(2):
        response = client.post("/users/Bob/follow", headers=alice_headers)
        assert response.status_code == 200
        assert response.json["follower_id"] == str(alice) and response.json["followee_id"] == str(bob)
    assert postgresql.execute("select count(*) from public.follows").fetchone()[0] == 1
    for _ in range(2):
        assert client.delete("/users/bob/follow", headers=alice_headers).status_code == 204
    assert postgresql.execute("select count(*) from public.follows").fetchone()[0] == 0


def test_follow_yourself_422_unknown_404_anonymous_401(client, alice_headers):
    assert_problem(client.post("/users/alice/follow", headers=alice_headers), 422)
    assert_problem(client.post("/users/nobody/follow", headers=alice_headers), 404)
    assert_problem(client.delete("/users/nobody/follow", headers=alice_headers), 404)
    assert_problem(client.post("/users/alice/follow"), 401)


def test_timeline_holds_own_and_followed_tweets_only(client, new_user, alice_headers, bob_headers, drain):
    _, carol_headers = new_user("carol")
    client.post("/users/bob/follow", headers=alice_headers)
    expected = [post_tweet(client, alice_headers, "mine").json["id"],
                post_tweet(client, bob_headers, "followed").json["id"]]
    post_tweet(client, carol_headers, "not followed")
    expected.append(post_tweet(client, bob_headers, "followed again").json["id"])
    drain()
    first = client.get("/timeline?limit=2", headers=alice_headers).json
    rest = client.get(f"/timeline?limit=2&cursor={first['next_cursor']}", headers=alice_headers).json
    assert [t["id"] for t in first["data"] + rest["data"]] == list(reversed(expected))
    assert rest["next_cursor"] is None
    assert_problem(client.get("/timeline"), 401)
    assert_problem(client.get("/timeline?limit=500", headers=alice_headers), 400)
