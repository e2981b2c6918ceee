"""Bookmarks through the API: idempotent, newest bookmark first, private to their owner."""

from __future__ import annotations

import pytest

from tests.api.test_reposts import MISSING
from tests.api.test_tweets import assert_problem, post_tweet


def bookmarked_ids(client, headers, limit=20) -> list[str]:
    ids, cursor = [], None
    while True:
        body = client.get(f"/me/bookmarks?limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers).json
        ids += [tweet["id"] for tweet in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_bookmarks_are_listed_newest_bookmark_first(client, alice_headers, bob_headers):
    tweets = [post_tweet(client, bob_headers, f"tweet {number}").json["id"] for number in range(4)]
    # Bookmarked oldest tweet last: the list follows the bookmarks' time, not the tweets'.
    for tweet_id in (tweets[1], tweets[3], tweets[0]):
        response = client.post(f"/tweets/{tweet_id}/bookmark", headers=alice_headers)
        assert response.status_code == 200 and response.json["tweet_id"] == tweet_id
    again = client.post(f"/tweets/{tweets[1]}/bookmark", headers=alice_headers)
    assert again.status_code == 200
    assert bookmarked_ids(client, alice_headers) == [tweets[0], tweets[3], tweets[1]]
    assert bookmarked_ids(client, alice_headers, limit=1) == [tweets[0], tweets[3], tweets[1]]
    assert client.delete(f"/tweets/{tweets[3]}/bookmark", headers=alice_headers).status_code == 204
    assert client.delete(f"/tweets/{tweets[3]}/bookmark", headers=alice_headers).status_code == 204
    assert bookmarked_ids(client, alice_headers) == [tweets[0], tweets[1]]


def test_bookmarks_are_private(client, alice_headers, bob_headers):
    tweet_id = post_tweet(client, bob_headers, "kept").json["id"]
    client.post(f"/tweets/{tweet_id}/bookmark", headers=alice_headers)
    assert bookmarked_ids(client, bob_headers) == []
    assert client.get(f"/tweets/{tweet_id}", headers=bob_headers).json["bookmarked"] is False
    assert_problem(client.get("/me/bookmarks"), 401)
    # Another's cursor is refused, as for every list that is someone's.
    for number in range(2):
        client.post(f"/tweets/{post_tweet(client, bob_headers, str(number)).json['id']}/bookmark",
                    headers=alice_headers)
    cursor = client.get("/me/bookmarks?limit=1", headers=alice_headers).json["next_cursor"]
    assert_problem(client.get(f"/me/bookmarks?cursor={cursor}", headers=bob_headers), 400)


def test_a_deleted_tweet_leaves_the_bookmarks(client, alice_headers, bob_headers):
    tweet_id = post_tweet(client, bob_headers, "gone soon").json["id"]
    client.post(f"/tweets/{tweet_id}/bookmark", headers=alice_headers)
    client.delete(f"/tweets/{tweet_id}", headers=bob_headers)
    assert bookmarked_ids(client, alice_headers) == []


@pytest.mark.parametrize("method", ["post", "delete"])
def test_bookmarking_a_missing_tweet_is_404(client, alice_headers, method):
    assert_problem(getattr(client, method)(f"/tweets/{MISSING}/bookmark", headers=alice_headers), 404)
    assert_problem(getattr(client, method)(f"/tweets/{MISSING}/bookmark"), 401)
