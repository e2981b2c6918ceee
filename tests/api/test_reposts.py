"""Reposts and quotes through the API: idempotent endpoints, reposts in followers' timelines and on
the reposter's page (once per page), notifications, and what deleting the original does."""

from __future__ import annotations

import pytest

from tests.api.test_tweets import assert_problem, post_tweet
from tests.consumer.test_home_timeline import configure

MISSING = "00000000-0000-4000-8000-000000000000"


def page(client, path, headers=None) -> list[dict]:
    return client.get(path, headers=headers or {}).json["data"]


def notification_types(client, headers) -> list[tuple[str, str, str]]:
    return sorted((item["type"], item["actor"]["username"], item["tweet_id"])
                  for item in page(client, "/notifications", headers))


def test_repost_and_undo_are_idempotent(client, alice, alice_headers, bob_headers):
    tweet_id = post_tweet(client, bob_headers, "share me").json["id"]
    first = client.post(f"/tweets/{tweet_id}/repost", headers=alice_headers)
    again = client.post(f"/tweets/{tweet_id}/repost", headers=alice_headers)
    assert first.status_code == again.status_code == 200
    assert first.json == again.json and first.json["user_id"] == str(alice) and first.json["created_at"]
    assert client.delete(f"/tweets/{tweet_id}/repost", headers=alice_headers).status_code == 204
    assert client.delete(f"/tweets/{tweet_id}/repost", headers=alice_headers).status_code == 204


@pytest.mark.parametrize("method", ["post", "delete"])
def test_reposting_a_missing_tweet_is_404_and_needs_a_user(client, alice_headers, method):
    assert_problem(getattr(client, method)(f"/tweets/{MISSING}/repost", headers=alice_headers), 404)
    assert_problem(getattr(client, method)(f"/tweets/{MISSING}/repost"), 401)


def test_a_repost_needs_a_profile(client, alice_headers, postgresql):
    from tests.api.conftest import bearer, make_token

    tweet_id = post_tweet(client, alice_headers, "x").json["id"]
    stranger = postgresql.execute(
        "insert into auth.users (id, aud, role) values (gen_random_uuid(), 'authenticated', 'authenticated') "
        "returning id").fetchone()[0]
    postgresql.commit()
    assert_problem(client.post(f"/tweets/{tweet_id}/repost", headers=bearer(make_token(stranger))), 422)


def test_followers_see_a_repost_with_reposted_by_at_its_time(client, alice_headers, bob_headers, new_user, drain):
    _, carol_headers = new_user("carol")
    original = post_tweet(client, carol_headers, "carol's words").json
    later = post_tweet(client, carol_headers, "carol again").json
    client.post("/users/bob/follow", headers=alice_headers)
    drain()
    reposted = client.post(f"/tweets/{original['id']}/repost", headers=bob_headers).json
    drain()
    timeline = page(client, "/timeline", alice_headers)
    assert [tweet["id"] for tweet in timeline] == [original["id"]]
    shown = timeline[0]
    assert shown["reposted_by"] == {"id": reposted["user_id"], "username": "bob", "full_name": None,
                                    "avatar_url": None}
    assert shown["reposted_at"] == reposted["created_at"] and shown["created_at"] == original["created_at"]
    assert shown["content"] == "carol's words" and shown["repost_count"] == 1
    # Undone: gone from the follower's timeline; carol's other tweet was never there.
    client.delete(f"/tweets/{original['id']}/repost", headers=bob_headers)
    assert page(client, "/timeline", alice_headers) == []
    drain()
    assert later["id"] not in [tweet["id"] for tweet in page(client, "/timeline", alice_headers)]


def test_a_tweet_reposted_by_several_followees_shows_once_per_page(client, alice_headers, bob_headers, new_user,
                                                                    drain):
    (_, carol_headers), (_, dave_headers) = new_user("carol"), new_user("dave")
    original = post_tweet(client, dave_headers, "popular").json["id"]
    client.post("/users/bob/follow", headers=alice_headers)
    client.post("/users/carol/follow", headers=alice_headers)
    client.post("/users/dave/follow", headers=alice_headers)
    drain()
    others = [post_tweet(client, bob_headers, f"bob {number}").json["id"] for number in range(3)]
    client.post(f"/tweets/{original}/repost", headers=bob_headers)
    client.post(f"/tweets/{original}/repost", headers=carol_headers)
    drain()
    ids = [tweet["id"] for tweet in page(client, "/timeline?limit=3", alice_headers)]
    # Placed at carol's (the newest) repost; the page is still full.
    assert ids == [original, *reversed(others[1:])]
    everything, cursor = [], None
    while True:
        body = client.get("/timeline?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=alice_headers).json
        assert len({tweet["id"] for tweet in body["data"]}) == len(body["data"])
        everything += [tweet["id"] for tweet in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert set(everything) == {original, *others}


def test_a_pulled_reposter_is_merged_in_at_read_time(client, postgresql, alice_headers, bob_headers, new_user,
                                                      drain):
    configure(postgresql, fanout_follower_limit=0)
    _, carol_headers = new_user("carol")
    original = post_tweet(client, carol_headers, "via a popular reposter").json["id"]
    client.post("/users/bob/follow", headers=alice_headers)
    drain()
    client.post(f"/tweets/{original}/repost", headers=bob_headers)
    drain()
    assert postgresql.execute("select count(*) from public.home_timeline").fetchone()[0] == 0
    postgresql.commit()
    shown = page(client, "/timeline", alice_headers)
    assert [(tweet["id"], tweet["reposted_by"]["username"]) for tweet in shown] == [(original, "bob")]


def test_a_new_follow_brings_the_followees_recent_reposts(client, alice_headers, bob_headers, new_user, drain):
    _, carol_headers = new_user("carol")
    original = post_tweet(client, carol_headers, "before the follow").json["id"]
    client.post(f"/tweets/{original}/repost", headers=bob_headers)
    drain()
    client.post("/users/bob/follow", headers=alice_headers)
    drain()
    assert [tweet.get("reposted_by", {}).get("username") for tweet in page(client, "/timeline", alice_headers)] \
        == ["bob"]


def test_the_reposters_page_and_own_timeline_show_the_repost(client, alice_headers, bob_headers):
    mine = post_tweet(client, alice_headers, "alice's own").json["id"]
    original = post_tweet(client, bob_headers, "bob's").json["id"]
    client.post(f"/tweets/{original}/repost", headers=alice_headers)
    client.post(f"/tweets/{mine}/repost", headers=alice_headers)  # reposting your own: once on the page
    for path in ("/users/alice/tweets", "/timeline"):
        shown = page(client, path, alice_headers)
        assert [(tweet["id"], tweet["reposted_by"]["username"]) for tweet in shown] == [
            (mine, "alice"), (original, "alice")], path
    assert [tweet["id"] for tweet in page(client, "/users/bob/tweets")] == [original]
    assert "reposted_by" not in page(client, "/users/bob/tweets")[0]


def test_reposts_and_quotes_notify_the_author(client, alice_headers, bob_headers, drain):
    original = post_tweet(client, alice_headers, "quotable").json["id"]
    client.post(f"/tweets/{original}/repost", headers=bob_headers)
    client.post(f"/tweets/{original}/repost", headers=alice_headers)  # your own: no notification
    quote = post_tweet(client, bob_headers, "so true", quote_of_id=original).json["id"]
    post_tweet(client, alice_headers, "quoting myself", quote_of_id=original)
    drain()
    assert notification_types(client, alice_headers) == sorted([("repost", "bob", original), ("quote", "bob", quote)])


def test_a_quote_carries_the_quoted_tweet_without_its_own_quote(client, alice_headers, bob_headers, drain):
    original = post_tweet(client, alice_headers, "first words").json
    quote = post_tweet(client, bob_headers, "quoting", quote_of_id=original["id"])
    assert quote.status_code == 201
    quoted = quote.json["quote_of"]
    assert quoted["id"] == original["id"] and quoted["content"] == "first words"
    assert quoted["author"]["username"] == "alice" and "quote_of" not in quoted
    assert set(quoted) == set(original) - {"quote_of"}
    nested = post_tweet(client, alice_headers, "quote of a quote", quote_of_id=quote.json["id"]).json
    assert nested["quote_of"]["id"] == quote.json["id"] and "quote_of" not in nested["quote_of"]
    client.post(f"/tweets/{original['id']}/like", headers=bob_headers)
    drain()
    again = client.get(f"/tweets/{quote.json['id']}", headers=bob_headers).json["quote_of"]
    assert (again["like_count"], again["liked"]) == (1, True)
    assert client.get(f"/tweets/{quote.json['id']}").json["quote_of"]["liked"] is False


@pytest.mark.parametrize("quote_of_id", [MISSING, "not-a-uuid", 42])
def test_quoting_nothing_is_422(client, alice_headers, quote_of_id):
    assert_problem(post_tweet(client, alice_headers, "quoting", quote_of_id=quote_of_id), 422)


def test_deleting_the_original_removes_reposts_and_leaves_quotes(client, postgresql, alice_headers, bob_headers,
                                                                  new_user, drain):
    _, carol_headers = new_user("carol")
    original = post_tweet(client, alice_headers, "soon gone").json["id"]
    client.post("/users/bob/follow", headers=carol_headers)
    client.post(f"/tweets/{original}/repost", headers=bob_headers)
    quote = post_tweet(client, bob_headers, "my take", quote_of_id=original).json["id"]
    drain()
    assert original in [tweet["id"] for tweet in page(client, "/timeline", carol_headers)]
    assert client.delete(f"/tweets/{original}", headers=alice_headers).status_code == 204
    kept = client.get(f"/tweets/{quote}").json
    assert kept["content"] == "my take" and kept["quote_of"] is None
    assert [tweet["id"] for tweet in page(client, "/users/bob/tweets")] == [quote]
    assert [tweet["id"] for tweet in page(client, "/timeline", carol_headers)] == [quote]
    drain()
    assert postgresql.execute("select count(*) from public.reposts").fetchone()[0] == 0
    assert postgresql.execute("select count(*) from public.home_timeline where tweet_id = %s",
                              (original,)).fetchone()[0] == 0
    postgresql.commit()


def test_a_repost_past_the_databases_write_limit_is_429(client, postgresql, alice_headers, bob_headers):
    from tests.db.test_write_limits import set_limit

    tweets = [post_tweet(client, bob_headers, f"t{number}").json["id"] for number in range(2)]
    set_limit(postgresql, 1, 3600)
    assert client.post(f"/tweets/{tweets[0]}/repost", headers=alice_headers).status_code == 200
    refused = client.post(f"/tweets/{tweets[1]}/repost", headers=alice_headers)
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    # Bookmarks are not writes the database limits.
    assert client.post(f"/tweets/{tweets[1]}/bookmark", headers=alice_headers).status_code == 200
