"""GET /hashtags/{tag}/tweets: tweets carrying a hashtag, ignoring case, newest first, kept by the consumer."""

from __future__ import annotations

import pytest

from tests.api.test_tweets import assert_problem, post_tweet


def tagged(client, tag: str, limit: int = 20, headers=None) -> list[str]:
    """Every tweet content of a tag's list, page by page."""
    found, cursor = [], None
    while True:
        response = client.get(f"/hashtags/{tag}/tweets?limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=headers or {})
        assert response.status_code == 200, response.json
        found += [tweet["content"] for tweet in response.json["data"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return found


def test_tagged_tweets_newest_first_ignoring_case(client, alice_headers, bob_headers, drain):
    for content, headers in [("#Postgres rocks", alice_headers), ("plain", bob_headers),
                             ("#postgres again #POSTGRES", bob_headers), ("not#postgres, x#postgres", alice_headers),
                             ("about #postgresql", alice_headers), ("#Über #café", bob_headers)]:
        post_tweet(client, headers, content)
    drain()
    expected = ["#postgres again #POSTGRES", "#Postgres rocks"]
    assert tagged(client, "postgres") == expected
    assert tagged(client, "POSTGRES", limit=1) == expected
    assert tagged(client, "über") == tagged(client, "ÜBER") == ["#Über #café"]
    assert tagged(client, "café") == ["#Über #café"]
    assert tagged(client, "nothing") == []


def test_a_deleted_tweet_leaves_its_tags(client, postgresql, alice_headers, drain):
    gone = post_tweet(client, alice_headers, "#temporary one").json["id"]
    post_tweet(client, alice_headers, "#temporary two")
    drain()
    client.delete(f"/tweets/{gone}", headers=alice_headers)
    assert tagged(client, "temporary") == ["#temporary two"]  # at once, before the consumer
    drain()
    assert postgresql.execute("select count(*) from public.tweet_hashtags where tweet_id = %s",
                              (gone,)).fetchone()[0] == 0
    postgresql.commit()


def test_tags_of_tweets_posted_before_the_consumer_ran_appear_after_it(client, alice_headers, drain):
    post_tweet(client, alice_headers, "#later")
    assert tagged(client, "later") == []
    drain()
    assert tagged(client, "later") == ["#later"]


def test_a_cursor_of_one_tag_is_refused_on_another(client, alice_headers, drain):
    for number in range(3):
        post_tweet(client, alice_headers, f"#one #two {number}")
    drain()
    cursor = client.get("/hashtags/one/tweets?limit=1").json["next_cursor"]
    assert client.get(f"/hashtags/ONE/tweets?limit=1&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"/hashtags/two/tweets?cursor={cursor}"), 400)


@pytest.mark.parametrize("tag", ["123", "a-b", "%23tag", "x" * 280, "%20"])
def test_a_tag_no_tweet_could_carry_is_404(client, tag):
    assert_problem(client.get(f"/hashtags/{tag}/tweets"), 404)
