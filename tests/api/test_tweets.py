"""POST/GET/DELETE /tweets, /tweet, GET /tweets pages, likes: the contract's rows and error codes."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import uuid

import pytest

from tests.api.conftest import bearer, make_token

PROBLEM = "application/problem+json"


def post_tweet(client, headers, content="hello", **body):
    return client.post("/tweets", json={"content": content, **body}, headers=headers)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.json
    assert set(problem) >= {"type", "title", "status", "detail"} and problem["status"] == status
    return problem


def test_create_returns_201_the_tweet_and_its_location(client, alice, alice_headers):
    response = post_tweet(client, alice_headers, "  hello #world  ")
    assert response.status_code == 201
    tweet = response.json
    assert response.headers["Location"] == f"/tweets/{tweet['id']}"
    assert tweet["content"] == "hello #world"
    assert tweet["user_id"] == str(alice) and tweet["reply_to_id"] is None and tweet["like_count"] == 0
    assert tweet["author"] == {"id": str(alice), "username": "alice", "full_name": None, "avatar_url": None}
    assert tweet["created_at"].endswith("Z")
    assert client.get(response.headers["Location"]).json == tweet


def test_the_seeds_path_creates_too(client, alice_headers):
    response = client.post("/tweet", json={"content": "from the seed"}, headers=alice_headers)
    assert response.status_code == 201 and response.json["content"] == "from the seed"


def test_reply(client, alice_headers, bob_headers):
    parent = post_tweet(client, alice_headers).json
    reply = post_tweet(client, bob_headers, "@alice hi", reply_to_id=parent["id"])
    assert reply.status_code == 201 and reply.json["reply_to_id"] == parent["id"]


@pytest.mark.parametrize("content, stored", [
    ("e\u0301", "\u00e9"),                      # NFC: e + combining acute becomes é
    ("\t line one\nline two \n", "line one\nline two"),
    ("\U0001F600" * 280, "\U0001F600" * 280),   # 280 code points, 1120 bytes
    ("\u3000a\u200bb\u2003", "a\u200bb"),        # Unicode whitespace stripped; an inner zero-width space kept
    ("\u06dd", "\u06dd"),                         # a format character that draws a sign (end of ayah)
])
def test_content_is_normalised_and_counted_in_code_points(client, alice_headers, content, stored):
    response = post_tweet(client, alice_headers, content)
    assert response.status_code == 201, response.json
    assert response.json["content"] == stored


@pytest.mark.parametrize("content", [
    "", "   \n\t ", "x" * 281, "\U0001F600" * 281, "nul\x00byte", "bell\x07", "escape\x1b[31m",
    "c1\x85", "del\x7f", 42, None, ["list"],
    # Nothing visible: bidi controls, zero-width spaces and joiners, BOM, Braille blank, ideographic space.
    "\u202e\u200b", "\u200b", " \u200d\u2060 ", "\ufeff", "\u2800", "\u3000\u3164", "\U000e0041",
])
def test_invalid_content_is_422(client, alice_headers, content):
    assert_problem(post_tweet(client, alice_headers, content), 422)


def test_a_lone_surrogate_is_422_not_500(client, alice_headers):
    body = b'{"content": "broken \\ud800 text"}'
    response = client.post("/tweets", data=body, content_type="application/json", headers=alice_headers)
    assert_problem(response, 422)


@pytest.mark.parametrize("body", [b"{", b'{"content": "x",}', b"\xff\xfe", b"", b"[" * 30000 + b"]" * 30000])
def test_malformed_json_is_400(client, alice_headers, body):
    response = client.post("/tweets", data=body, content_type="application/json", headers=alice_headers)
    assert_problem(response, 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(client, alice_headers, content_type):
    response = client.post("/tweets", data='{"content": "x"}', content_type=content_type, headers=alice_headers)
    assert_problem(response, 415)


def test_a_body_over_64_kib_is_413(client, alice_headers):
    body = json.dumps({"content": "x", "padding": "y" * 65536})
    response = client.post("/tweets", data=body, content_type="application/json", headers=alice_headers)
    assert_problem(response, 413)


@pytest.mark.parametrize("body", [[1, 2], "text", {"content": "x", "extra": 1},
                                  {"content": "x", "reply_to_id": "not-a-uuid"},
                                  {"content": "x", "reply_to_id": str(uuid.uuid4())}])
def test_wrong_fields_are_422(client, alice_headers, body):
    assert_problem(client.post("/tweets", json=body, headers=alice_headers), 422)


def test_without_a_token_creating_is_401_with_www_authenticate(client):
    response = post_tweet(client, {})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_get_unknown_or_malformed_id_is_404(client):
    assert_problem(client.get(f"/tweets/{uuid.uuid4()}"), 404)
    # A path that is not a uuid names no resource: 404, documented in the README.
    assert_problem(client.get("/tweets/not-a-uuid"), 404)


def test_delete_by_author_204_by_others_403_unknown_404(client, alice_headers, bob_headers):
    tweet = post_tweet(client, alice_headers).json
    assert_problem(client.delete(f"/tweets/{tweet['id']}", headers=bob_headers), 403)
    assert client.get(f"/tweets/{tweet['id']}").status_code == 200
    assert client.delete(f"/tweets/{tweet['id']}", headers=alice_headers).status_code == 204
    assert_problem(client.get(f"/tweets/{tweet['id']}"), 404)
    assert_problem(client.delete(f"/tweets/{tweet['id']}", headers=alice_headers), 404)
    assert_problem(client.delete(f"/tweets/{tweet['id']}"), 401)


def test_all_tweets_page_by_page_newest_first(client, alice_headers, bob_headers):
    created = [post_tweet(client, headers, f"tweet {number}").json["id"]
               for number, headers in enumerate([alice_headers, bob_headers] * 5)]
    seen, cursor = [], None
    while True:
        query = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        page = client.get("/tweets", query_string=query).json
        assert len(page["data"]) <= 3
        seen += [tweet["id"] for tweet in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    assert client.get("/tweets").json["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=-1", "limit=1.5",
                                   "cursor=garbage", "cursor=" + "A" * 300, "cursor=WzEsMl0"])
def test_bad_limit_or_cursor_is_400(client, query):
    assert_problem(client.get(f"/tweets?{query}"), 400)


def test_the_same_idempotency_key_returns_the_first_tweet(client, postgresql, alice_headers, bob_headers):
    first = client.post("/tweets", json={"content": "once"}, headers={**alice_headers, "Idempotency-Key": "k1"})
    again = client.post("/tweets", json={"content": "twice?"}, headers={**alice_headers, "Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    other_user = client.post("/tweets", json={"content": "bob"}, headers={**bob_headers, "Idempotency-Key": "k1"})
    other_key = client.post("/tweets", json={"content": "new"}, headers={**alice_headers, "Idempotency-Key": "k2"})
    assert len({first.json["id"], other_user.json["id"], other_key.json["id"]}) == 3
    assert postgresql.execute("select count(*) from public.tweets").fetchone()[0] == 3


def test_an_idempotency_key_older_than_24_hours_creates_anew(client, postgresql, alice_headers):
    first = client.post("/tweets", json={"content": "a"}, headers={**alice_headers, "Idempotency-Key": "old"})
    postgresql.execute("update public.idempotency_keys set created_at = now() - interval '25 hours'")
    postgresql.commit()
    again = client.post("/tweets", json={"content": "b"}, headers={**alice_headers, "Idempotency-Key": "old"})
    assert again.status_code == 201 and again.json["id"] != first.json["id"]


def test_past_a_thousand_live_idempotency_keys_a_keyed_post_is_429(client, postgresql, alice, alice_headers):
    postgresql.execute("insert into public.idempotency_keys (user_id, key)"
                       " select %s, 'old-' || n from generate_series(1, 1000) as n", (alice,))
    postgresql.commit()
    refused = client.post("/tweets", json={"content": "a"}, headers={**alice_headers, "Idempotency-Key": "new"})
    problem = assert_problem(refused, 429)
    assert "Idempotency-Key" in problem["detail"]
    assert 23 * 3600 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert refused.headers["X-RateLimit-Limit"] == "1000"
    assert client.post("/tweets", json={"content": "a"}, headers=alice_headers).status_code == 201


def test_a_malformed_idempotency_key_is_400(client, alice_headers):
    response = client.post("/tweets", json={"content": "a"}, headers={**alice_headers, "Idempotency-Key": "x" * 256})
    assert_problem(response, 400)


def test_like_and_unlike_are_idempotent(client, postgresql, alice, alice_headers, bob_headers):
    tweet = post_tweet(client, bob_headers).json
    for _ in range(2):
        response = client.post(f"/tweets/{tweet['id']}/like", headers=alice_headers)
        assert response.status_code == 200
        assert response.json["user_id"] == str(alice) and response.json["tweet_id"] == tweet["id"]
    assert postgresql.execute("select count(*) from public.likes").fetchone()[0] == 1
    for _ in range(2):
        assert client.delete(f"/tweets/{tweet['id']}/like", headers=alice_headers).status_code == 204
    assert postgresql.execute("select count(*) from public.likes").fetchone()[0] == 0


def test_like_count_comes_from_the_counters(client, postgresql, alice_headers):
    tweet = post_tweet(client, alice_headers).json
    postgresql.execute("insert into public.tweet_counters (tweet_id, like_count) values (%s, 7)", (tweet["id"],))
    postgresql.commit()
    assert client.get(f"/tweets/{tweet['id']}").json["like_count"] == 7


def test_liking_an_unknown_tweet_is_404_and_anonymous_401(client, alice_headers):
    missing = uuid.uuid4()
    assert_problem(client.post(f"/tweets/{missing}/like", headers=alice_headers), 404)
    assert_problem(client.delete(f"/tweets/{missing}/like", headers=alice_headers), 404)
    assert_problem(client.post(f"/tweets/{missing}/like"), 401)


def test_unknown_route_404_and_wrong_method_405_are_problems(client):
    assert_problem(client.get("/nowhere"), 404)
    assert_problem(client.put("/tweets"), 405)


def test_concurrent_requests_with_one_idempotency_key_create_one_tweet(app, postgresql, alice_headers):
    headers = {**alice_headers, "Idempotency-Key": "raced"}
    start = threading.Barrier(8)

    def post(_):
        client = app.test_client()
        start.wait(timeout=10)
        return client.post("/tweets", json={"content": "raced"}, headers=headers)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {response.status_code for response in responses} == {201}
    assert len({response.json["id"] for response in responses}) == 1
    assert postgresql.execute("select count(*) from public.tweets").fetchone()[0] == 1


def test_a_deleted_idempotent_tweet_is_409_and_no_profile_is_422(client, postgresql, alice_headers):
    headers = {**alice_headers, "Idempotency-Key": "gone"}
    first = client.post("/tweets", json={"content": "soon gone"}, headers=headers).json
    assert client.delete(f"/tweets/{first['id']}", headers=alice_headers).status_code == 204
    assert_problem(client.post("/tweets", json={"content": "again"}, headers=headers), 409)
    user_id = uuid.uuid4()
    postgresql.execute("insert into auth.users (id) values (%s)", (user_id,))
    postgresql.commit()
    no_profile = bearer(make_token(user_id))
    assert_problem(client.post("/tweets", json={"content": "x"}, headers=no_profile), 422)
    assert_problem(client.post("/tweets", json={"content": "x"}, headers={**no_profile, "Idempotency-Key": "k"}), 422)
