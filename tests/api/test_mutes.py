"""Mutes through the API: silent and one-sided; the muted user's tweets and notifications no longer
reach the muter, their timeline entries go and come back with the mute."""

from __future__ import annotations

from tests.api.test_tweets import assert_problem, post_tweet


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [tweet["id"] for tweet in response.json["data"]]


def test_mute_and_unmute_are_idempotent_and_listed(client, alice, bob, alice_headers, bob_headers):
    first = client.post("/users/bob/mute", headers=alice_headers)
    assert first.status_code == 200
    assert (first.json["muter_id"], first.json["muted_id"]) == (str(alice), str(bob))
    assert client.post("/users/bob/mute", headers=alice_headers).json == first.json
    assert [p["username"] for p in client.get("/me/mutes", headers=alice_headers).json["data"]] == ["bob"]
    assert client.get("/users/bob", headers=alice_headers).json["muting"] is True
    # Silent: bob is told nothing, and his lists are his own.
    assert client.get("/users/alice", headers=bob_headers).json["muting"] is False
    assert client.get("/me/mutes", headers=bob_headers).json["data"] == []
    for _ in range(2):
        assert client.delete("/users/bob/mute", headers=alice_headers).status_code == 204
    assert client.get("/me/mutes", headers=alice_headers).json["data"] == []
    assert "yourself" in assert_problem(client.post("/users/alice/mute", headers=alice_headers), 422)["detail"]
    assert_problem(client.delete("/users/nobody/mute", headers=alice_headers), 404)


def test_the_muted_disappear_from_what_the_muter_reads_only(client, alice_headers, bob_headers, new_user, drain):
    _, carol_headers = new_user("carol")
    client.post("/users/bob/follow", headers=alice_headers)
    drain()
    bobs = post_tweet(client, bob_headers, "by bob").json["id"]
    drain()
    assert bobs in _ids(client.get("/timeline", headers=alice_headers))
    client.post("/users/bob/mute", headers=alice_headers)
    drain()
    assert bobs not in _ids(client.get("/timeline", headers=alice_headers))
    assert bobs not in _ids(client.get("/tweets", headers=alice_headers))
    assert client.get("/users/bob/tweets", headers=alice_headers).json["data"] == []
    assert_problem(client.get(f"/tweets/{bobs}", headers=alice_headers), 404)
    for reader in (bob_headers, carol_headers, {}):
        assert bobs in _ids(client.get("/tweets", headers=reader))
    # Muting is not blocking: the follow stands, and bob may still follow alice.
    assert client.get("/users/bob").json["follower_count"] == 1
    assert client.post("/users/alice/follow", headers=bob_headers).status_code == 200


def test_a_muted_users_new_tweets_skip_the_muters_timeline_and_come_back_with_the_unmute(
        client, postgresql, alice, alice_headers, bob_headers, drain):
    client.post("/users/bob/follow", headers=alice_headers)
    client.post("/users/bob/mute", headers=alice_headers)
    drain()
    bobs = post_tweet(client, bob_headers, "while muted").json["id"]
    drain()
    entries = "select count(*) from public.home_timeline where user_id = %s"
    assert postgresql.execute(entries, (alice,)).fetchone()[0] == 0  # never written: a page stays one range
    postgresql.commit()
    client.delete("/users/bob/mute", headers=alice_headers)
    drain()
    assert _ids(client.get("/timeline", headers=alice_headers)) == [bobs]
    assert postgresql.execute(entries, (alice,)).fetchone()[0] == 1


def test_a_muted_users_actions_notify_the_muter_no_more(client, alice_headers, bob_headers, drain):
    alices = post_tweet(client, alice_headers, "hello").json["id"]
    client.post(f"/tweets/{alices}/like", headers=bob_headers)
    drain()
    client.post("/users/bob/mute", headers=alice_headers)
    client.post("/users/alice/follow", headers=bob_headers)
    post_tweet(client, bob_headers, "hi @alice", reply_to_id=alices)
    drain()
    assert client.get("/notifications", headers=alice_headers).json["data"] == []
    client.delete("/users/bob/mute", headers=alice_headers)
    # The like, from before the mute, shows again; what bob did while muted was never written.
    assert [n["type"] for n in client.get("/notifications", headers=alice_headers).json["data"]] == ["like"]
