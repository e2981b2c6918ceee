"""Suspension through the API: an operator sets profiles.suspended_at; the user's tweets are hidden
from everyone and their writes refused with 403 saying why; lifting it restores everything."""

from __future__ import annotations

from tests.api.test_tweets import assert_problem, post_tweet

SUSPENDED = "your account is suspended: you cannot change anything"


def suspend(postgresql, username, suspended=True):
    """What the README tells an operator to run."""
    postgresql.execute("update public.profiles set suspended_at = case when %s then now() end where username = %s",
                       (suspended, username))
    postgresql.commit()


def test_a_suspended_users_tweets_are_hidden_until_it_is_lifted(client, postgresql, alice_headers, bob_headers,
                                                                drain):
    client.post("/users/alice/follow", headers=bob_headers)
    drain()
    alices = post_tweet(client, alice_headers, "soon hidden").json["id"]
    drain()
    suspend(postgresql, "alice")
    for reader in ({}, bob_headers, alice_headers):
        assert alices not in [t["id"] for t in client.get("/tweets", headers=reader).json["data"]]
        assert client.get("/users/alice/tweets", headers=reader).json["data"] == []
        assert_problem(client.get(f"/tweets/{alices}", headers=reader), 404)
    assert client.get("/timeline", headers=bob_headers).json["data"] == []
    assert client.get("/users/alice").status_code == 200
    suspend(postgresql, "alice", suspended=False)
    assert [t["id"] for t in client.get("/timeline", headers=bob_headers).json["data"]] == [alices]
    assert client.get(f"/tweets/{alices}").status_code == 200


def test_a_suspended_users_writes_are_403_saying_why(client, postgresql, alice_headers, bob_headers):
    bobs = post_tweet(client, bob_headers, "bob's").json["id"]
    alices = post_tweet(client, alice_headers, "alice's").json["id"]
    suspend(postgresql, "alice")
    writes = [
        post_tweet(client, alice_headers, "let me"),
        client.post(f"/tweets/{bobs}/like", headers=alice_headers),
        client.post("/users/bob/follow", headers=alice_headers),
        client.delete("/users/bob/follow", headers=alice_headers),
        client.delete(f"/tweets/{alices}", headers=alice_headers),
        client.post("/users/bob/block", headers=alice_headers),
        client.post("/users/bob/mute", headers=alice_headers),
        client.post("/reports", json={"username": "bob", "reason": "revenge"}, headers=alice_headers),
        client.put("/me", json={"username": "alice", "full_name": "Innocent"}, headers=alice_headers),
        client.post("/notifications/read", json={"all": True}, headers=alice_headers),
    ]
    for response in writes:
        assert assert_problem(response, 403)["detail"] == SUSPENDED, response.request.path
    assert client.get("/me", headers=alice_headers).status_code == 200  # reading is still allowed
    assert post_tweet(client, bob_headers, "others write on").status_code == 201
    suspend(postgresql, "alice", suspended=False)
    assert post_tweet(client, alice_headers, "back").status_code == 201
