"""POST /reports: filed as the caller, checked, kept for the operators (public.open_reports)."""

from __future__ import annotations

import datetime
import uuid

import pytest

from tests.api.test_tweets import assert_problem, post_tweet


def test_a_report_is_filed_and_only_the_owner_reads_it(client, postgresql, alice_headers, bob_headers):
    bobs = post_tweet(client, bob_headers, "something rude").json["id"]
    response = client.post("/reports", json={"username": "BOB", "tweet_id": bobs, "reason": " Abuse\nin a reply "},
                           headers=alice_headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.json) == {"id", "created_at"}
    client.delete(f"/tweets/{bobs}", headers=bob_headers)  # the evidence stays with the report
    row = postgresql.execute("select o.id, o.reporter, o.reported, o.tweet_id, o.reason, o.created_at, r.tweet_content"
                             " from public.open_reports as o join public.reports as r using (id)").fetchone()
    assert [str(value) for value in row[:5]] == [response.json["id"], "alice", "bob", bobs, "Abuse\nin a reply"]
    assert row[5] == datetime.datetime.fromisoformat(response.json["created_at"].replace("Z", "+00:00"))
    assert row[6] == "something rude"
    # A report about a user alone.
    assert client.post("/reports", json={"username": "bob", "reason": "spam"}, headers=alice_headers).status_code == 201


@pytest.mark.parametrize("body, detail", [
    ({"username": "nobody", "reason": "x"}, "username names no user"),
    ({"username": "alice", "reason": "x"}, "you cannot report yourself"),
    ({"username": "bob", "reason": "   "}, "reason must be 1 to 1000 characters after trimming"),
    ({"username": "bob", "reason": "x" * 1001}, "reason must be 1 to 1000 characters after trimming"),
    ({"username": "bob", "reason": "bell\x07"}, "reason contains control characters"),
    ({"username": "bob", "reason": 5}, "reason must be a string"),
    ({"username": "bob"}, "reason must be a string"),
    ({"username": "b!", "reason": "x"}, "username must be 3 to 15 letters, digits or underscores"),
    ({"username": "bob", "reason": "x", "tweet_id": "nope"}, "tweet_id must be a uuid"),
    ({"username": "bob", "reason": "x", "extra": 1}, None),
])
def test_bad_reports_are_422_saying_why(client, alice_headers, bob, body, detail):
    problem = assert_problem(client.post("/reports", json=body, headers=alice_headers), 422)
    if detail is not None:
        assert problem["detail"] == detail


def test_a_reported_tweet_must_exist_and_be_the_reported_users(client, alice_headers, bob_headers, new_user):
    _, carol_headers = new_user("carol")
    carols = post_tweet(client, carol_headers, "mine").json["id"]
    not_bobs = assert_problem(client.post("/reports", json={"username": "bob", "tweet_id": carols, "reason": "x"},
                                          headers=alice_headers), 422)
    assert not_bobs["detail"] == "the reported tweet is not by the reported user"
    missing = assert_problem(client.post("/reports", json={"username": "bob", "tweet_id": str(uuid.uuid4()),
                                                           "reason": "x"}, headers=alice_headers), 422)
    assert missing["detail"] == "the reported tweet does not exist"


def test_a_blocked_users_tweet_can_still_be_reported(client, alice_headers, bob_headers):
    bobs = post_tweet(client, bob_headers, "nasty").json["id"]
    client.post("/users/bob/block", headers=alice_headers)
    response = client.post("/reports", json={"username": "bob", "tweet_id": bobs, "reason": "harassment"},
                           headers=alice_headers)
    assert response.status_code == 201


def test_reports_need_a_signed_in_user(client, bob):
    assert_problem(client.post("/reports", json={"username": "bob", "reason": "x"}), 401)
