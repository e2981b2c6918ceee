"""GET /tweets/{id}/context: ancestors oldest first, descendants in conversation order, bounded and
fast on a thread of 10,000 replies."""

from __future__ import annotations

import time

import pytest

from api.discovery.context import ANCESTORS_LIMIT, DESCENDANTS_LIMIT
from tests.api.test_reposts import MISSING
from tests.api.test_tweets import assert_problem, post_tweet


def reply(client, headers, parent: str, content: str) -> str:
    return post_tweet(client, headers, content, reply_to_id=parent).json["id"]


def contents(tweets: list[dict]) -> list[str]:
    return [tweet["content"] for tweet in tweets]


def test_a_thread_reads_up_and_down_in_conversation_order(client, alice_headers, bob_headers):
    root = post_tweet(client, alice_headers, "root").json["id"]
    first = reply(client, bob_headers, root, "1")
    second = reply(client, alice_headers, root, "2")
    first_first = reply(client, alice_headers, first, "1.1")
    reply(client, bob_headers, first_first, "1.1.1")
    reply(client, bob_headers, first, "1.2")
    reply(client, bob_headers, second, "2.1")

    context = client.get(f"/tweets/{root}/context").json
    assert context["ancestors"] == []
    assert contents(context["descendants"]) == ["1", "1.1", "1.1.1", "1.2", "2", "2.1"]

    middle = client.get(f"/tweets/{first_first}/context", headers=alice_headers).json
    assert contents(middle["ancestors"]) == ["root", "1"]
    assert contents(middle["descendants"]) == ["1.1.1"]
    # Tweets as GET /tweets/{id} shows them to the same caller.
    assert middle["ancestors"][0] == client.get(f"/tweets/{root}", headers=alice_headers).json


def test_a_deleted_parent_ends_the_chain(client, alice_headers, bob_headers):
    root = post_tweet(client, alice_headers, "root").json["id"]
    middle = reply(client, bob_headers, root, "middle")
    leaf = reply(client, alice_headers, middle, "leaf")
    client.delete(f"/tweets/{middle}", headers=bob_headers)
    context = client.get(f"/tweets/{leaf}/context").json
    assert context == {"ancestors": [], "descendants": []}
    assert client.get(f"/tweets/{root}/context").json["descendants"] == []


def test_the_context_of_a_missing_tweet_is_404(client):
    assert_problem(client.get(f"/tweets/{MISSING}/context"), 404)
    assert_problem(client.get("/tweets/not-a-uuid/context"), 404)


@pytest.fixture
def large_thread(postgresql, alice, bob):
    """A tweet with 10,000 direct replies, each with one reply of its own, and a chain 300 deep."""
    root = postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'root') returning id",
                              (alice,)).fetchone()[0]
    postgresql.execute(
        "with replies as ("
        "  insert into public.tweets (user_id, content, reply_to_id, created_at)"
        "  select %s, 'reply ' || n, %s, now() + n * interval '1 millisecond' from generate_series(1, 10000) n"
        "  returning id, created_at)"
        "insert into public.tweets (user_id, content, reply_to_id, created_at)"
        "select %s, 'answer', id, created_at + interval '1 hour' from replies", (bob, root, alice))
    parent = root
    chain = []
    for depth in range(300):
        parent = postgresql.execute(
            "insert into public.tweets (user_id, content, reply_to_id, created_at) "
            "values (%s, %s, %s, now() + interval '1 day') returning id",
            (bob, f"deep {depth}", parent)).fetchone()[0]
        chain.append(parent)
    postgresql.commit()
    postgresql.execute("analyze public.tweets")
    postgresql.commit()
    return root, chain


def test_a_thread_of_10000_replies_is_bounded_and_fast(client, large_thread):
    root, chain = large_thread
    started = time.perf_counter()
    context = client.get(f"/tweets/{root}/context").json
    elapsed = time.perf_counter() - started
    descendants = context["descendants"]
    assert len(descendants) == DESCENDANTS_LIMIT >= 100
    # The nearest level first: the first 200 direct replies, oldest first, none of their answers.
    assert contents(descendants) == [f"reply {n}" for n in range(1, DESCENDANTS_LIMIT + 1)]
    # Generous on a shared machine; a walk of the whole thread takes far longer.
    assert elapsed < 2.0, elapsed

    deepest = client.get(f"/tweets/{chain[-1]}/context").json["ancestors"]
    assert len(deepest) == ANCESTORS_LIMIT
    assert contents(deepest) == [f"deep {depth}" for depth in range(299 - ANCESTORS_LIMIT, 299)]
    top = client.get(f"/tweets/{chain[0]}/context").json["descendants"]
    assert contents(top) == [f"deep {depth}" for depth in range(1, DESCENDANTS_LIMIT + 1)]


def test_the_walk_reads_only_what_it_shows(postgresql, large_thread):
    """The plan visits about as many tweets as it returns, not the thread's 20,000."""
    from chirp.queries import QUERIES

    root, _ = large_thread
    plan = postgresql.execute(
        "explain (analyze, format json) " + QUERIES["tweet_descendants"],
        {"tweet_id": root, "limit": DESCENDANTS_LIMIT}).fetchone()[0][0]
    postgresql.rollback()

    def rows_read(node) -> int:
        own = node.get("Actual Rows", 0) * node.get("Actual Loops", 1) if "Index" in node["Node Type"] else 0
        return own + sum(rows_read(child) for child in node.get("Plans", []))

    read = rows_read(plan["Plan"])
    assert DESCENDANTS_LIMIT <= read < 4 * DESCENDANTS_LIMIT, read
