"""Reposts on the live streams, end to end (real gunicorn, real consumer, real SSE client): the
reposter's followers get the original as a `tweet` event with reposted_by; nobody else does."""

from __future__ import annotations

import requests

from tests.api.test_streams import follow, follower_count, live, open_stream, post_tweet, users  # noqa: F401
from tests.helpers.waiting import wait_until


def test_a_repost_reaches_the_reposters_followers_only(live, users):  # noqa: F811
    alice, bob, carol, dave = users["alice"], users["bob"], users["carol"], users["dave"]
    follow(live, carol[1], "bob")
    wait_until(lambda: follower_count(live, "bob") == 1, 15, "the follow to be processed")
    original = post_tweet(live, alice[1], "worth sharing")
    carol_stream, dave_stream = open_stream(live, carol[1]), open_stream(live, dave[1])
    public = open_stream(live, path="/stream/public")

    response = requests.post(live.url(f"/tweets/{original['id']}/repost"), headers=bob[1], timeout=10)
    assert response.status_code == 200
    received = carol_stream.next_of("tweet")
    # Rendered once for every stream: the tweet as anyone sees it (flags false), with the reposter.
    shown = requests.get(live.url(f"/tweets/{original['id']}"), timeout=10).json()
    assert received.data == {**shown, "reposted_by": {"id": str(bob[0]), "username": "bob", "full_name": None,
                                                      "avatar_url": None},
                             "reposted_at": response.json()["created_at"]}
    listed = requests.get(live.url("/timeline"), headers=carol[1], timeout=10).json()["data"]
    assert listed[0]["reposted_by"] == received.data["reposted_by"]

    # dave follows nobody and the public stream carries new tweets only: each gets the next tweet first.
    own = post_tweet(live, dave[1], "dave's own")
    assert dave_stream.next_of("tweet").data["id"] == own["id"]
    assert public.next_of("tweet").data["id"] == own["id"]
    # A deletion of the original reaches the stream that showed it through the repost.
    requests.delete(live.url(f"/tweets/{original['id']}"), headers=alice[1], timeout=10)
    assert carol_stream.next_of("delete").data == {"tweet_id": original["id"]}
