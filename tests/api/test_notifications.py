"""/notifications and /notifications/read; the consumer writes notifications, so tests insert them."""

from __future__ import annotations

import uuid

import pytest

from tests.api.test_tweets import assert_problem, post_tweet


def notify(connection, recipient, actor, kind="follow", tweet_id=None) -> str:
    row = connection.execute(
        "insert into public.notifications (recipient_id, type, actor_id, tweet_id) values (%s, %s, %s, %s)"
        " returning id", (recipient, kind, actor, tweet_id)).fetchone()
    connection.commit()
    return str(row[0])


@pytest.fixture
def alices_notifications(client, postgresql, alice, bob, alice_headers):
    tweet = post_tweet(client, alice_headers, "hi").json
    return [notify(postgresql, alice, bob, "follow"), notify(postgresql, alice, bob, "like", tweet["id"])]


def test_list_own_notifications_newest_first(client, bob, alice_headers, alices_notifications):
    page = client.get("/notifications", headers=alice_headers).json
    assert [n["id"] for n in page["data"]] == list(reversed(alices_notifications))
    like = page["data"][0]
    assert like["type"] == "like" and like["actor"]["username"] == "bob" and like["actor"]["id"] == str(bob)
    assert like["read_at"] is None and like["tweet_id"] is not None and page["next_cursor"] is None


def test_mark_some_read_then_unread_filter(client, alice_headers, alices_notifications):
    response = client.post("/notifications/read", json={"ids": alices_notifications[:1]}, headers=alice_headers)
    assert response.status_code == 204
    unread = client.get("/notifications?unread=true", headers=alice_headers).json["data"]
    assert [n["id"] for n in unread] == alices_notifications[1:]
    everything = client.get("/notifications?unread=false", headers=alice_headers).json["data"]
    assert len(everything) == 2 and everything[1]["read_at"] is not None


def test_mark_all_read(client, alice_headers, alices_notifications):
    assert client.post("/notifications/read", json={"all": True}, headers=alice_headers).status_code == 204
    assert client.get("/notifications?unread=true", headers=alice_headers).json["data"] == []


def test_others_cannot_see_or_mark_your_notifications(client, bob_headers, alice_headers, alices_notifications):
    assert client.get("/notifications", headers=bob_headers).json["data"] == []
    client.post("/notifications/read", json={"ids": alices_notifications}, headers=bob_headers)
    client.post("/notifications/read", json={"all": True}, headers=bob_headers)
    assert len(client.get("/notifications?unread=true", headers=alice_headers).json["data"]) == 2


@pytest.mark.parametrize("body", [{}, {"all": False}, {"all": "yes"}, {"ids": "x"}, {"ids": ["not-uuid"]},
                                  {"ids": [str(uuid.uuid4())], "all": True}, {"ids": [1]}])
def test_invalid_mark_read_bodies_are_422(client, alice_headers, body):
    assert_problem(client.post("/notifications/read", json=body, headers=alice_headers), 422)


def test_bad_parameters_and_anonymous(client, alice_headers):
    assert_problem(client.get("/notifications?unread=maybe", headers=alice_headers), 400)
    assert_problem(client.get("/notifications"), 401)
    assert_problem(client.post("/notifications/read", json={"all": True}), 401)
    response = client.post("/notifications/read", data="all", content_type="text/plain", headers=alice_headers)
    assert_problem(response, 415)
