"""Parsing queue messages into events: what the triggers send is accepted, anything else is malformed."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from consumer import events
from consumer.failures import backoff_seconds

TWEET_ID, USER_ID = str(uuid.uuid4()), str(uuid.uuid4())


def test_tweet_created_as_the_trigger_writes_it():
    event = events.parse({
        "type": "tweet.created", "tweet_id": TWEET_ID, "user_id": USER_ID, "reply_to_id": None,
        "content": "hi", "created_at": "2026-11-24T06:38:02.12345+00:00"})
    assert event == events.TweetCreated(
        uuid.UUID(TWEET_ID), uuid.UUID(USER_ID), None, "hi",
        datetime(2026, 11, 24, 6, 38, 2, 123450, tzinfo=timezone.utc))


@pytest.mark.parametrize("created_at", ["2026-11-24T06:38:02+00:00", "2026-11-24T07:38:02.5+01:00",
                                        "2026-11-24T06:38:02.000001Z"])
def test_timestamps_with_any_fraction_and_zone(created_at):
    event = events.parse({"type": "tweet.deleted", "tweet_id": TWEET_ID, "user_id": USER_ID,
                          "content": "x", "created_at": created_at})
    assert abs(event.created_at - datetime(2026, 11, 24, 6, 38, 2, tzinfo=timezone.utc)) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        ("a string", "not an object"),
        ({"type": "tweet.edited"}, "unknown event type"),
        ({"type": ["tweet.created"]}, "unknown event type"),
        ({}, "unknown event type None"),
        ({"type": "like.created", "user_id": USER_ID}, "'tweet_id' is missing"),
        ({"type": "like.created", "user_id": USER_ID, "tweet_id": 42}, "'tweet_id' is missing or not a string"),
        ({"type": "follow.created", "follower_id": "x", "followee_id": USER_ID}, "'follower_id' is malformed"),
        ({"type": "tweet.deleted", "tweet_id": TWEET_ID, "user_id": USER_ID, "content": "x",
          "created_at": "2026-11-24 06:38"}, "'created_at' is malformed"),
    ],
)
def test_malformed_messages(message, complaint):
    with pytest.raises(events.MalformedEvent, match=complaint):
        events.parse(message)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap():
    for failures, ceiling in ((1, 2), (2, 4), (3, 8), (4, 16), (10, 60), (100, 60)):
        delays = {backoff_seconds(failures, base_seconds=2, cap_seconds=60) for _ in range(200)}
        assert min(delays) >= ceiling / 2 and max(delays) <= ceiling, (failures, delays)
        if ceiling >= 8:
            assert len(delays) > 1, "no jitter"
    assert backoff_seconds(1, base_seconds=1, cap_seconds=1) == 1
