"""Users A and B trying each other's data: every attempt fails and changes nothing."""

from __future__ import annotations

from tests.api.test_notifications import notify
from tests.api.test_tweets import assert_problem, post_tweet


def test_bob_cannot_touch_alices_tweets_likes_follows_or_profile(
        client, postgresql, alice, bob, alice_headers, bob_headers):
    tweet = post_tweet(client, alice_headers, "alice's").json
    client.post(f"/tweets/{tweet['id']}/like", headers=alice_headers)
    client.post("/users/bob/follow", headers=alice_headers)

    assert_problem(client.delete(f"/tweets/{tweet['id']}", headers=bob_headers), 403)
    # Bob's unlike and unfollow act on Bob's own rows only: Alice's like and follow stay.
    client.delete(f"/tweets/{tweet['id']}/like", headers=bob_headers)
    client.delete("/users/bob/follow", headers=bob_headers)
    assert_problem(client.put("/me", json={"username": "alice"}, headers=bob_headers), 409)
    # A body naming another author is refused: the author is always the token's user.
    assert_problem(client.post("/tweets", json={"content": "x", "user_id": str(alice)}, headers=bob_headers), 422)

    counts = postgresql.execute(
        "select (select count(*) from public.tweets), (select count(*) from public.likes),"
        " (select count(*) from public.follows), (select username from public.profiles where id = %s)",
        (alice,)).fetchone()
    assert counts == (1, 1, 1, "alice")


def test_notifications_and_timelines_are_private(client, postgresql, alice, bob, alice_headers, bob_headers):
    notification = notify(postgresql, alice, bob, "follow")
    client.post("/users/bob/follow", headers=alice_headers)
    post_tweet(client, bob_headers, "bob's")
    assert client.get("/notifications", headers=bob_headers).json["data"] == []
    client.post("/notifications/read", json={"ids": [notification]}, headers=bob_headers)
    assert client.get("/notifications?unread=true", headers=alice_headers).json["data"][0]["id"] == notification
    # Bob does not follow anyone: his timeline is his own tweets only, not Alice's follows.
    post_tweet(client, alice_headers, "alice's")
    assert [t["content"] for t in client.get("/timeline", headers=bob_headers).json["data"]] == ["bob's"]


def test_idempotency_keys_are_per_user(client, postgresql, alice_headers, bob_headers):
    mine = client.post("/tweets", json={"content": "a"}, headers={**alice_headers, "Idempotency-Key": "same"})
    theirs = client.post("/tweets", json={"content": "b"}, headers={**bob_headers, "Idempotency-Key": "same"})
    assert mine.json["id"] != theirs.json["id"] and theirs.json["content"] == "b"
