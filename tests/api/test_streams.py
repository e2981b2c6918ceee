"""Live updates end to end: a real gunicorn, a real consumer, a real SSE client over HTTP.

The consumer polls only once a minute here (CONSUMER_POLL_SECONDS=60), so every event that arrives
within the deadlines was woken by a notification: a lost wake-up fails these tests.
To show that an event never reaches a stream, the tests send that stream a later event it should
get: streams deliver in commit order, so the later event arriving first proves the absence.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.api.conftest import bearer, make_token
from tests.helpers.consumer_process import ConsumerProcess
from tests.helpers.fixtures import create_user
from tests.helpers.sse import EventStream
from tests.helpers.waiting import wait_until

LIVE_ENVIRONMENT = {"RATE_LIMIT_WRITE": "100000/minute", "RATE_LIMIT_READ": "100000/minute"}


@pytest.fixture
def live(web_factory, database_url):
    """One gunicorn worker and one consumer on this test's database; yields the web server."""
    consumer = ConsumerProcess(database_url, CONSUMER_POLL_SECONDS="60")
    try:
        yield web_factory(database_url, **LIVE_ENVIRONMENT)
    finally:
        consumer.close()


@pytest.fixture
def users(postgresql):
    """alice, bob, carol and dave, each with a token: name -> (id, headers)."""
    created = {}
    for name in ("alice", "bob", "carol", "dave"):
        user_id = create_user(postgresql, name)
        created[name] = (user_id, bearer(make_token(user_id)))
    return created


def post_tweet(web, headers, content: str) -> dict:
    response = requests.post(web.url("/tweets"), json={"content": content}, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def follow(web, headers, username: str, method: str = "POST") -> None:
    response = requests.request(method, web.url(f"/users/{username}/follow"), headers=headers, timeout=10)
    assert response.status_code in (200, 204), response.text


def follower_count(web, username: str) -> int:
    return requests.get(web.url(f"/users/{username}"), timeout=10).json()["follower_count"]


def tweet_count(web, username: str) -> int:
    return requests.get(web.url(f"/users/{username}"), timeout=10).json()["tweet_count"]


def open_stream(web, headers=None, path="/stream", **extra_headers) -> EventStream:
    return EventStream.open(web.url(path), {**(headers or {}), **extra_headers})


def test_a_followees_tweet_reaches_the_follower_as_the_api_shows_it(live, users):
    alice, carol, dave = users["alice"], users["carol"], users["dave"]
    follow(live, carol[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    carol_stream, dave_stream = open_stream(live, carol[1]), open_stream(live, dave[1])
    public = open_stream(live, path="/stream/public")

    tweet = post_tweet(live, alice[1], "hello followers")
    received = carol_stream.next_of("tweet")
    assert received.data == requests.get(live.url(f"/tweets/{tweet['id']}"), timeout=10).json()
    assert received.id
    assert public.next_of("tweet").data["id"] == tweet["id"]

    # dave follows nobody: his first tweet event is his own, not alice's.
    own = post_tweet(live, dave[1], "my own")
    assert dave_stream.next_of("tweet").data["id"] == own["id"]


def test_a_mention_reaches_only_the_mentioned_user(live, users):
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    bob_stream, carol_stream = open_stream(live, bob[1]), open_stream(live, carol[1])

    post_tweet(live, alice[1], "hey @bob, look")
    notification = bob_stream.next_of("notification")
    listed = requests.get(live.url("/notifications"), headers=bob[1], timeout=10).json()["data"]
    assert notification.data == listed[0]
    assert notification.data["type"] == "mention"

    # carol's first notification is her own mention, never bob's.
    post_tweet(live, alice[1], "and @carol too")
    assert carol_stream.next_of("notification").data["tweet_id"] != notification.data["tweet_id"]


def test_a_deleted_tweet_sends_delete_to_streams_that_showed_it(live, users):
    alice, carol = users["alice"], users["carol"]
    follow(live, carol[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    carol_stream, public = open_stream(live, carol[1]), open_stream(live, path="/stream/public")
    tweet = post_tweet(live, alice[1], "soon gone")
    assert carol_stream.next_of("tweet").data["id"] == tweet["id"]

    response = requests.delete(live.url(f"/tweets/{tweet['id']}"), headers=alice[1], timeout=10)
    assert response.status_code == 204
    assert carol_stream.next().name == "delete"
    assert public.next_of("delete").data == {"tweet_id": tweet["id"]}


def test_follow_starts_and_unfollow_stops_a_followees_tweets(live, users):
    alice, dave = users["alice"], users["dave"]
    dave_stream = open_stream(live, dave[1])

    follow(live, dave[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    first = post_tweet(live, alice[1], "now you see me")
    assert dave_stream.next_of("tweet").data["id"] == first["id"]

    follow(live, dave[1], "alice", method="DELETE")
    wait_until(lambda: follower_count(live, "alice") == 0, 15, "the unfollow to be processed")
    post_tweet(live, alice[1], "now you don't")
    own = post_tweet(live, dave[1], "still here")
    assert dave_stream.next_of("tweet").data["id"] == own["id"]


def test_reconnecting_with_last_event_id_replays_what_was_missed(live, users):
    alice, carol = users["alice"], users["carol"]
    follow(live, carol[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    stream = open_stream(live, carol[1])
    post_tweet(live, alice[1], "first")
    seen = stream.next_of("tweet")
    stream.close()

    missed = [post_tweet(live, alice[1], f"missed {n}")["id"] for n in range(3)]
    # The tweet counter is written in the consumer's transaction that appends the live events.
    wait_until(lambda: tweet_count(live, "alice") == 4, 15, "the missed tweets to be processed")

    resumed = open_stream(live, carol[1], **{"Last-Event-ID": seen.id})
    assert [resumed.next_of("tweet").data["id"] for _ in missed] == missed
    live_again = post_tweet(live, alice[1], "and live again")
    assert resumed.next_of("tweet").data["id"] == live_again["id"]


def test_a_ticket_opens_one_stream_once(live, users, postgresql):
    bob = users["bob"]
    answer = requests.post(live.url("/stream/tickets"), headers=bob[1], timeout=10)
    assert answer.status_code == 201
    assert answer.json()["expires_in"] == 30
    ticket = answer.json()["ticket"]

    stream = open_stream(live, path=f"/stream?ticket={ticket}")
    post_tweet(live, users["alice"][1], "@bob via ticket")
    assert stream.next_of("notification").data["type"] == "mention"

    again = requests.get(live.url(f"/stream?ticket={ticket}"), timeout=10)
    assert again.status_code == 401
    assert again.headers["Content-Type"] == "application/problem+json"
    assert "already used" in again.json()["detail"]

    forged = requests.get(live.url("/stream?ticket=" + "A" * 43), timeout=10)
    assert forged.status_code == 401

    expiring = requests.post(live.url("/stream/tickets"), headers=bob[1], timeout=10).json()["ticket"]
    postgresql.execute("update public.stream_tickets set expires_at = now() - interval '1 second'")
    postgresql.commit()
    expired = requests.get(live.url(f"/stream?ticket={expiring}"), timeout=10)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ("expired", 401),
        ("anon", 403),
    ],
)
def test_refusals_before_a_stream_starts_are_problems(live, users, headers, status):
    if headers == "expired":
        headers = bearer(make_token(users["bob"][0], exp=int(time.time()) - 120))
    elif headers == "anon":
        import jwt

        from tests.helpers.web import TEST_JWT_SECRET

        anon_key = jwt.encode({"role": "anon", "exp": int(time.time()) + 600}, TEST_JWT_SECRET, algorithm="HS256")
        headers = bearer(anon_key)
    response = requests.get(live.url("/stream"), headers=headers, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_a_malformed_last_event_id_is_a_bad_request(live, users):
    response = requests.get(live.url("/stream"), headers={**users["bob"][1], "Last-Event-ID": "abc"}, timeout=10)
    assert response.status_code == 400
    assert "Last-Event-ID" in response.json()["detail"]


def test_the_stream_sends_heartbeats_and_ends_when_the_token_expires(live, users):
    # Accepted for 30 s past `exp` (the API's leeway): this one has about 12 s left.
    token = make_token(users["bob"][0], exp=int(time.time()) - 18)
    started = time.monotonic()
    lines = []
    with requests.get(live.url("/stream"), headers=bearer(token), stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        for line in response.iter_lines(decode_unicode=True):
            lines.append(line)
    assert time.monotonic() - started < 25, "the stream outlived its token"
    assert ": keep-alive" in lines
