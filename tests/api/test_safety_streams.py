"""Blocks, mutes and suspensions on open streams, end to end: a real gunicorn, a real consumer, a real
SSE client over HTTP (see tests/api/test_streams.py for how absence is shown: a later event that the
stream should get arrives first, since streams deliver in commit order)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.api.test_streams import (  # noqa: F401 - fixtures
    follow,
    follower_count,
    live,
    open_stream,
    post_tweet,
    users,
)
from tests.helpers.waiting import wait_until

# A block or mute reaches the open streams through the consumer: normally within milliseconds, and
# within a second by the contract; the deadline leaves room for a machine busy with other tests.
EFFECT_DEADLINE_SECONDS = 10.0


def relation(web, headers, verb: str, username: str, method: str = "POST") -> float:
    """Block, mute, unblock or unmute through the API; returns when the answer came (monotonic)."""
    response = requests.request(method, web.url(f"/users/{username}/{verb}"), headers=headers, timeout=10)
    assert response.status_code in (200, 204), response.text
    return time.monotonic()


def live_event_applied(postgresql, kind: str, count: int = 1):
    """A condition: the consumer has appended `count` live events of `kind` (streams apply them in id
    order, before any event committed after them)."""
    def applied() -> bool:
        found = postgresql.execute("select count(*) from public.live_events where kind = %s", (kind,)).fetchone()[0]
        postgresql.commit()
        return found >= count
    return applied


def test_a_block_applies_to_both_sides_open_streams(live, users, postgresql):
    alice, carol, dave = users["alice"], users["carol"], users["dave"]
    follow(live, carol[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    carol_stream = open_stream(live, carol[1])
    dave_public = open_stream(live, dave[1], path="/stream/public")  # signed in: his blocks apply
    anonymous = open_stream(live, path="/stream/public")
    before = post_tweet(live, alice[1], "before")
    for stream in (carol_stream, dave_public, anonymous):
        assert stream.next_of("tweet").data["id"] == before["id"]

    answered = relation(live, carol[1], "block", "alice")  # carol blocks alice
    relation(live, alice[1], "block", "dave")  # alice blocks dave: he is the one blocked
    wait_until(live_event_applied(postgresql, "block", 2), EFFECT_DEADLINE_SECONDS, "the blocks to reach the streams")
    print(f"block to live event: {time.monotonic() - answered:.3f} s")
    hidden = post_tweet(live, alice[1], "after the blocks")
    carols, daves = post_tweet(live, carol[1], "carol's"), post_tweet(live, dave[1], "dave's")
    assert carol_stream.next_of("tweet").data["id"] == carols["id"]
    assert dave_public.next_of("tweet").data["id"] == carols["id"]
    assert dave_public.next_of("tweet").data["id"] == daves["id"]
    assert anonymous.next_of("tweet").data["id"] == hidden["id"]  # anonymous readers are not affected

    # Replayed events after a reconnect are held to the same rule.
    dave_public.close()
    resumed = open_stream(live, dave[1], path="/stream/public", **{"Last-Event-ID": "0"})
    replayed = []
    marker = post_tweet(live, carol[1], "marker")
    while not replayed or replayed[-1] != marker["id"]:
        replayed.append(resumed.next_of("tweet").data["id"])
    # alice's tweets, even the one he saw before the block, are not replayed to him now.
    assert replayed == [carols["id"], daves["id"], marker["id"]]


def test_a_mute_applies_to_the_muters_open_stream_and_an_unmute_lifts_it(live, users, postgresql):
    alice, dave = users["alice"], users["dave"]
    follow(live, dave[1], "alice")
    wait_until(lambda: follower_count(live, "alice") == 1, 15, "the follow to be processed")
    dave_stream = open_stream(live, dave[1])

    relation(live, dave[1], "mute", "alice")
    wait_until(live_event_applied(postgresql, "mute"), EFFECT_DEADLINE_SECONDS, "the mute to reach the stream")
    post_tweet(live, alice[1], "muted")
    own = post_tweet(live, dave[1], "mine")
    assert dave_stream.next_of("tweet").data["id"] == own["id"]

    relation(live, dave[1], "mute", "alice", method="DELETE")
    wait_until(live_event_applied(postgresql, "unmute"), EFFECT_DEADLINE_SECONDS, "the unmute to reach the stream")
    back = post_tweet(live, alice[1], "heard again")
    assert dave_stream.next_of("tweet").data["id"] == back["id"]


def test_a_repost_or_quote_of_someone_hidden_shows_as_the_rest_api_does(live, users, postgresql):
    """carol mutes alice and follows bob: bob's repost of alice's tweet never reaches carol's stream (as
    her timeline leaves it out), and bob's quote of it reaches her with quote_of null, as GET shows it
    to her; an anonymous reader of the public stream gets the quote whole."""
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    follow(live, carol[1], "bob")
    wait_until(lambda: follower_count(live, "bob") == 1, 15, "the follow to be processed")
    original = post_tweet(live, alice[1], "said by alice")
    relation(live, carol[1], "mute", "alice")
    wait_until(live_event_applied(postgresql, "mute"), EFFECT_DEADLINE_SECONDS, "the mute to reach the streams")
    carol_stream = open_stream(live, carol[1])
    anonymous = open_stream(live, path="/stream/public")

    reposted = requests.post(live.url(f"/tweets/{original['id']}/repost"), headers=bob[1], timeout=10)
    assert reposted.status_code == 200, reposted.text
    response = requests.post(live.url("/tweets"), json={"content": "look at this", "quote_of_id": original["id"]},
                             headers=bob[1], timeout=10)
    assert response.status_code == 201, response.text
    quote = response.json()

    received = carol_stream.next_of("tweet")  # the repost, sent first, is not there
    assert received.data["id"] == quote["id"] and received.data["quote_of"] is None
    shown_to_carol = requests.get(live.url(f"/tweets/{quote['id']}"), headers=carol[1], timeout=10).json()
    assert shown_to_carol["quote_of"] is None
    assert anonymous.next_of("tweet").data["quote_of"]["id"] == original["id"]


def test_suspension_ends_the_users_streams_and_hides_their_tweets_until_lifted(live, users, postgresql):
    alice, bob = users["alice"], users["bob"]
    alice_stream = open_stream(live, alice[1])
    alice_public = open_stream(live, alice[1], path="/stream/public")
    anonymous = open_stream(live, path="/stream/public")

    postgresql.execute("update public.profiles set suspended_at = now() where username = 'alice'")
    postgresql.commit()
    suspended_at = time.monotonic()
    assert alice_stream.ended.wait(EFFECT_DEADLINE_SECONDS) and alice_public.ended.wait(1)
    print(f"suspension to the streams' end: {time.monotonic() - suspended_at:.3f} s")
    for path in ("/stream", "/stream/tickets"):
        method = "POST" if path.endswith("tickets") else "GET"
        refused = requests.request(method, live.url(path), headers=alice[1], timeout=10)
        assert refused.status_code == 403 and "suspended" in refused.json()["detail"], refused.text
    # A tweet of hers that was on its way (the owner writes it: she can no longer) reaches nobody.
    postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'on its way')", (alice[0],))
    postgresql.commit()
    bobs = post_tweet(live, bob[1], "bob's")
    assert anonymous.next_of("tweet").data["id"] == bobs["id"]

    postgresql.execute("update public.profiles set suspended_at = null where username = 'alice'")
    postgresql.commit()
    wait_until(live_event_applied(postgresql, "reinstate"), EFFECT_DEADLINE_SECONDS, "the lifting to reach the streams")
    back = post_tweet(live, alice[1], "back")
    assert anonymous.next_of("tweet").data["id"] == back["id"]
    assert open_stream(live, alice[1]).response.status_code == 200


@pytest.mark.parametrize("path", ["/stream/public?ticket=" + "A" * 43, "/stream/public"])
def test_a_public_stream_with_a_bad_ticket_or_token_is_refused(live, path):
    response = requests.get(live.url(path), headers={"Authorization": "Bearer nope"} if "ticket" not in path else {},
                            timeout=10)
    assert response.status_code == 401 and response.headers["Content-Type"] == "application/problem+json"
