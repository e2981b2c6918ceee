"""Blocks through the API: made and listed privately, both follows end, nothing crosses them, and
neither side reads the other's tweets anywhere while anonymous reads are unaffected."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.api.conftest import bearer
from tests.api.test_tweets import assert_problem, post_tweet
from tests.helpers.web import TEST_JWT_SECRET


@pytest.fixture
def carol(new_user):
    return new_user("carol")


def test_block_and_unblock_are_idempotent(client, alice, bob, alice_headers):
    first = client.post("/users/bob/block", headers=alice_headers)
    again = client.post("/users/BOB/block", headers=alice_headers)
    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    assert (first.json["blocker_id"], first.json["blocked_id"]) == (str(alice), str(bob))
    for _ in range(2):
        response = client.delete("/users/bob/block", headers=alice_headers)
        assert response.status_code == 204 and response.data == b""
    assert client.get("/me/blocks", headers=alice_headers).json == {"data": [], "next_cursor": None}


def test_refusals_say_what_was_wrong(client, alice, alice_headers, postgresql):
    assert "yourself" in assert_problem(client.post("/users/alice/block", headers=alice_headers), 422)["detail"]
    assert_problem(client.post("/users/nobody/block", headers=alice_headers), 404)
    assert_problem(client.post("/users/not-a-name/block", headers=alice_headers), 404)
    assert_problem(client.post("/users/alice/block"), 401)
    assert_problem(client.get("/me/blocks"), 401)
    anon_key = jwt.encode({"role": "anon", "exp": int(time.time()) + 600}, TEST_JWT_SECRET, algorithm="HS256")
    assert_problem(client.post("/users/alice/block", headers=bearer(anon_key)), 403)


def test_the_block_list_is_the_callers_own_newest_first_paged(client, alice_headers, bob_headers, carol, new_user):
    dave = new_user("dave")
    for name in ("bob", "carol", "dave"):
        client.post(f"/users/{name}/block", headers=alice_headers)
    client.post("/users/carol/mute", headers=alice_headers)
    first = client.get("/me/blocks?limit=2", headers=alice_headers).json
    second = client.get(f"/me/blocks?limit=2&cursor={first['next_cursor']}", headers=alice_headers).json
    listed = first["data"] + second["data"]
    assert [profile["username"] for profile in listed] == ["dave", "carol", "bob"]
    assert second["next_cursor"] is None
    assert all(profile["blocking"] for profile in listed)
    assert [profile["muting"] for profile in listed] == [False, True, False]
    assert set(listed[0]) >= {"id", "username", "created_at", "tweet_count", "follower_count"}
    assert listed[0]["id"] == str(dave[0])
    # Nobody else's list shows them, and a cursor of alice's list is not bob's.
    assert client.get("/me/blocks", headers=bob_headers).json["data"] == []
    assert_problem(client.get(f"/me/blocks?cursor={first['next_cursor']}", headers=bob_headers), 400)
    assert_problem(client.get(f"/me/mutes?cursor={first['next_cursor']}", headers=alice_headers), 400)


def test_the_profile_says_blocking_to_the_blocker_only(client, alice_headers, bob_headers):
    client.post("/users/bob/block", headers=alice_headers)
    assert client.get("/users/bob", headers=alice_headers).json["blocking"] is True
    assert client.get("/users/alice", headers=bob_headers).json["blocking"] is False  # private: bob is not told
    assert client.get("/users/bob").json["blocking"] is False
    assert client.get("/me", headers=alice_headers).json["muting"] is False


def test_a_block_ends_both_follows_and_refuses_new_ones_with_the_reason(client, alice_headers, bob_headers, drain):
    client.post("/users/bob/follow", headers=alice_headers)
    client.post("/users/alice/follow", headers=bob_headers)
    drain()
    client.post("/users/bob/block", headers=alice_headers)
    drain()
    assert client.get("/users/bob").json["follower_count"] == 0
    assert client.get("/users/alice").json["follower_count"] == 0
    refused = assert_problem(client.post("/users/alice/follow", headers=bob_headers), 403)
    assert refused["detail"] == "@alice blocks you: you cannot follow them"
    own = assert_problem(client.post("/users/bob/follow", headers=alice_headers), 403)
    assert own["detail"] == "you block @bob: unblock them to follow them"


def test_nothing_crosses_a_block(client, alice_headers, bob_headers):
    alices = post_tweet(client, alice_headers, "mine").json["id"]
    client.post("/users/bob/block", headers=alice_headers)
    like = assert_problem(client.post(f"/tweets/{alices}/like", headers=bob_headers), 403)
    assert like["detail"] == "@alice blocks you: you cannot like their tweets"
    reply = assert_problem(post_tweet(client, bob_headers, "hey", reply_to_id=alices), 403)
    assert reply["detail"] == "@alice blocks you: you cannot reply to their tweets"
    client.delete("/users/bob/block", headers=alice_headers)
    assert client.post(f"/tweets/{alices}/like", headers=bob_headers).status_code == 200


def test_neither_reads_the_others_tweets_anywhere_anonymous_readers_all(client, alice_headers, bob_headers, carol,
                                                                        drain):
    _, carol_headers = carol
    client.post("/users/alice/follow", headers=bob_headers)
    alices = post_tweet(client, alice_headers, "by alice").json["id"]
    bobs = post_tweet(client, bob_headers, "by bob").json["id"]
    drain()
    assert alices in _ids(client.get("/timeline", headers=bob_headers))
    client.post("/users/bob/block", headers=alice_headers)
    drain()
    for reader, other, others_tweet, name in ((bob_headers, "alice", alices, "bob"),
                                              (alice_headers, "bob", bobs, "alice")):
        assert others_tweet not in _ids(client.get("/tweets", headers=reader)), name
        assert others_tweet not in _ids(client.get("/timeline", headers=reader)), name
        page = client.get(f"/users/{other}/tweets", headers=reader)
        assert page.status_code == 200 and page.json == {"data": [], "next_cursor": None}
        assert_problem(client.get(f"/tweets/{others_tweet}", headers=reader), 404)
        assert client.get(f"/users/{other}", headers=reader).status_code == 200  # the profile stays
    for reader in ({}, carol_headers):
        assert {alices, bobs} <= set(_ids(client.get("/tweets", headers=reader)))
        assert client.get(f"/tweets/{alices}", headers=reader).status_code == 200


def test_mentions_across_a_block_notify_nobody_and_past_notifications_hide(client, alice_headers, bob_headers,
                                                                           drain):
    alices = post_tweet(client, alice_headers, "like me").json["id"]
    client.post(f"/tweets/{alices}/like", headers=bob_headers)
    drain()
    assert [n["type"] for n in client.get("/notifications", headers=alice_headers).json["data"]] == ["like"]
    client.post("/users/alice/block", headers=bob_headers)  # bob blocks alice: the block works both ways
    post_tweet(client, bob_headers, "hello @alice")
    post_tweet(client, alice_headers, "hello @bob")
    drain()
    assert client.get("/notifications", headers=alice_headers).json["data"] == []
    assert client.get("/notifications", headers=bob_headers).json["data"] == []
    client.delete("/users/alice/block", headers=bob_headers)
    # The like's notification comes back; mentions made across the block were never written.
    assert [n["type"] for n in client.get("/notifications", headers=alice_headers).json["data"]] == ["like"]


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [tweet["id"] for tweet in response.json["data"]]
