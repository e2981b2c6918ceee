"""What the caller did, from the server: liked, reposted, bookmarked on every tweet wherever it is
shown (false for anon), the reply and repost counts the consumer keeps, and the profile flags."""

from __future__ import annotations

from tests.api.test_tweets import post_tweet

FLAGS = ("liked", "reposted", "bookmarked")


def flags(tweet: dict) -> tuple[bool, bool, bool]:
    return tuple(tweet[name] for name in FLAGS)


def test_a_new_tweet_has_the_contracts_shape(client, alice_headers):
    tweet = post_tweet(client, alice_headers, "shape").json
    assert set(tweet) == {"id", "user_id", "content", "created_at", "reply_to_id", "quote_of", "author",
                          "like_count", "reply_count", "repost_count", "liked", "reposted", "bookmarked"}
    assert (tweet["reply_count"], tweet["repost_count"], tweet["quote_of"]) == (0, 0, None)
    assert flags(tweet) == (False, False, False)


def test_flags_say_what_the_caller_did_everywhere_tweets_are_shown(client, alice_headers, bob_headers, drain):
    tweet_id = post_tweet(client, bob_headers, "mark me").json["id"]
    other_id = post_tweet(client, bob_headers, "leave me").json["id"]
    client.post("/users/bob/follow", headers=alice_headers)
    for action in ("like", "repost", "bookmark"):
        assert client.post(f"/tweets/{tweet_id}/{action}", headers=alice_headers).status_code == 200
    drain()

    def seen_by(headers, path):
        return {tweet["id"]: flags(tweet) for tweet in client.get(path, headers=headers).json["data"]}

    for path in ("/tweets", "/timeline", "/users/bob/tweets", "/me/bookmarks"):
        shown = seen_by(alice_headers, path)
        assert shown[tweet_id] == (True, True, True), path
        assert shown.get(other_id, (False, False, False)) == (False, False, False), path
    assert flags(client.get(f"/tweets/{tweet_id}", headers=alice_headers).json) == (True, True, True)
    # Nobody else's marks: bob's own view, and anon's.
    assert flags(client.get(f"/tweets/{tweet_id}", headers=bob_headers).json) == (False, False, False)
    assert flags(client.get(f"/tweets/{tweet_id}").json) == (False, False, False)
    assert seen_by({}, "/tweets")[tweet_id] == (False, False, False)

    client.delete(f"/tweets/{tweet_id}/like", headers=alice_headers)
    assert flags(client.get(f"/tweets/{tweet_id}", headers=alice_headers).json) == (False, True, True)


def test_an_idempotent_replay_shows_the_callers_flags(client, alice_headers):
    key = {"Idempotency-Key": "replay-1"}
    first = client.post("/tweets", json={"content": "once"}, headers={**alice_headers, **key}).json
    client.post(f"/tweets/{first['id']}/bookmark", headers=alice_headers)
    again = client.post("/tweets", json={"content": "once"}, headers={**alice_headers, **key}).json
    assert again["id"] == first["id"] and again["bookmarked"] is True


def test_reply_and_repost_counts_are_kept_by_the_consumer(client, alice_headers, bob_headers, new_user, drain):
    _, carol_headers = new_user("carol")
    parent = post_tweet(client, alice_headers, "parent").json["id"]
    replies = [post_tweet(client, headers, "reply", reply_to_id=parent).json["id"]
               for headers in (bob_headers, carol_headers)]
    client.post(f"/tweets/{parent}/repost", headers=bob_headers)
    client.post(f"/tweets/{parent}/repost", headers=bob_headers)  # idempotent: counted once
    client.post(f"/tweets/{parent}/repost", headers=carol_headers)
    drain()
    shown = client.get(f"/tweets/{parent}").json
    assert (shown["reply_count"], shown["repost_count"]) == (2, 2)

    client.delete(f"/tweets/{replies[0]}", headers=bob_headers)
    client.delete(f"/tweets/{parent}/repost", headers=carol_headers)
    drain()
    shown = client.get(f"/tweets/{parent}").json
    assert (shown["reply_count"], shown["repost_count"]) == (1, 1)


def test_profiles_say_whether_the_caller_follows_and_is_followed(client, alice_headers, bob_headers):
    client.post("/users/bob/follow", headers=alice_headers)
    as_alice = client.get("/users/bob", headers=alice_headers).json
    as_bob = client.get("/users/alice", headers=bob_headers).json
    assert (as_alice["following"], as_alice["followed_by"]) == (True, False)
    assert (as_bob["following"], as_bob["followed_by"]) == (False, True)
    anonymous = client.get("/users/bob").json
    assert (anonymous["following"], anonymous["followed_by"]) == (False, False)
    me = client.get("/me", headers=bob_headers).json
    assert (me["following"], me["followed_by"]) == (False, False)
    client.post("/users/alice/follow", headers=bob_headers)
    assert client.get("/users/bob", headers=alice_headers).json["followed_by"] is True
