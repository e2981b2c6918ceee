"""GET /timeline over the home timelines the consumer writes ahead: own tweets at once, pulled
authors merged in, pages across the kept window (the horizon) equal to the merge's."""

from __future__ import annotations

from tests.api.test_tweets import post_tweet
from tests.consumer.test_home_timeline import configure


def read_all(client, headers, limit):
    """Every tweet id of the caller's timeline, page by page, newest first."""
    ids, cursor = [], None
    while True:
        path = f"/timeline?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(path, headers=headers).json
        ids += [tweet["id"] for tweet in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_own_tweet_is_visible_at_once(client, alice_headers, bob_headers, drain):
    client.post("/users/bob/follow", headers=alice_headers)
    drain()
    followed = post_tweet(client, bob_headers, "from bob").json["id"]
    mine = post_tweet(client, alice_headers, "mine").json["id"]
    # No consumer has run since: Alice sees her own tweet, Bob's comes with the consumer.
    assert read_all(client, alice_headers, 20) == [mine]
    drain()
    assert read_all(client, alice_headers, 20) == [mine, followed]


def test_pulled_authors_are_merged_in_at_read_time(client, postgresql, new_user, alice_headers, bob_headers, drain):
    configure(postgresql, fanout_follower_limit=1)
    _, carol_headers = new_user("carol")
    client.post("/users/bob/follow", headers=alice_headers)
    client.post("/users/bob/follow", headers=carol_headers)
    drain()
    assert postgresql.execute("select count(*) from public.timeline_pulled_authors").fetchone()[0] == 1
    postgresql.commit()
    tweets = [post_tweet(client, bob_headers, f"popular {number}").json["id"] for number in range(3)]
    drain()
    assert postgresql.execute("select count(*) from public.home_timeline").fetchone()[0] == 0
    postgresql.commit()
    assert read_all(client, alice_headers, 2) == list(reversed(tweets))
    assert read_all(client, carol_headers, 20) == list(reversed(tweets))


def test_pages_across_the_kept_window_match_the_merge(client, postgresql, new_user, alice, alice_headers, drain):
    """Kept 5 of 12 and a backfill of 3: pages cross the horizon into the merge and lose nothing."""
    configure(postgresql, kept_entries=5, backfill_entries=3)
    authors = [new_user(name) for name in ("bob", "carol", "dave")]
    early = [post_tweet(client, headers, f"early {number}").json["id"]
             for number in range(4) for _, headers in authors[:1]]
    drain()
    for name in ("bob", "carol", "dave"):
        client.post(f"/users/{name}/follow", headers=alice_headers)
    drain()
    later = [post_tweet(client, headers, f"later {number}").json["id"]
             for number in range(3) for _, headers in authors]
    mine = post_tweet(client, alice_headers, "mine").json["id"]
    drain()
    kept = postgresql.execute("select count(*) from public.home_timeline where user_id = %s",
                              (alice,)).fetchone()[0]
    postgresql.commit()
    assert kept == 5
    expected = [mine, *reversed(later), *reversed(early)]
    for limit in (1, 2, 3, 5, 7, 100):
        assert read_all(client, alice_headers, limit) == expected, limit
