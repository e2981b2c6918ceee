"""What blocks, mutes and suspensions hide, in SQL as `anon` and `authenticated` (PostgREST's view).

Alice blocks bob; carol mutes dave; each has tweets; every read here is what PostgREST or psql with
that role and claims would get, and what the API gets (it reads as its caller through tweet_cards).
"""

from __future__ import annotations

import re

import pytest

from chirp.queries import QUERIES
from tests.helpers.fixtures import acting_as, create_user

FIRST_PAGE = {"before_created_at": "infinity", "before_id": "ffffffff-ffff-ffff-ffff-ffffffffffff", "limit": 100}


@pytest.fixture
def people(postgresql, alice, bob):
    """alice, bob, carol, dave with a tweet each; alice blocks bob, carol mutes dave."""
    users = {"alice": alice, "bob": bob, "carol": create_user(postgresql, "carol"),
             "dave": create_user(postgresql, "dave")}
    tweets = {}
    for name, user_id in users.items():
        tweets[name] = postgresql.execute(
            "insert into public.tweets (user_id, content) values (%s, %s) returning id", (user_id, f"by {name}")
        ).fetchone()[0]
    postgresql.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    postgresql.execute("insert into public.mutes (muter_id, muted_id) values (%s, %s)",
                       (users["carol"], users["dave"]))
    postgresql.commit()
    return users, tweets


def authors(connection, query="select user_id from public.tweets", params=()):
    """The usernames of the tweet authors a query returns, sorted."""
    ids = {row[0] for row in connection.execute(query, params).fetchall()}
    names = connection.execute("select username from public.profiles where id = any(%s)", (list(ids),)).fetchall()
    return sorted(name for (name,) in names)


def test_neither_side_of_a_block_reads_the_others_tweets(postgresql, people):
    users, tweets = people
    with acting_as(postgresql, users["alice"]):
        assert authors(postgresql) == ["alice", "carol", "dave"]
        assert authors(postgresql, "select user_id from public.tweet_cards") == ["alice", "carol", "dave"]
    with acting_as(postgresql, users["bob"]):
        assert authors(postgresql) == ["bob", "carol", "dave"]
        assert postgresql.execute("select * from public.tweets where id = %s", (tweets["alice"],)).fetchall() == []
    for bystander in ("carol", "dave"):
        with acting_as(postgresql, users[bystander]):
            assert "alice" in authors(postgresql) and "bob" in authors(postgresql)
    with acting_as(postgresql, None):  # anonymous reads are not affected
        assert authors(postgresql) == ["alice", "bob", "carol", "dave"]


def test_a_mute_hides_the_muted_from_the_muter_only(postgresql, people):
    users, _ = people
    with acting_as(postgresql, users["carol"]):
        assert authors(postgresql) == ["alice", "bob", "carol"]
    with acting_as(postgresql, users["dave"]):
        assert "carol" in authors(postgresql)


def test_undoing_a_block_or_a_mute_shows_the_tweets_again(postgresql, people):
    users, _ = people
    with acting_as(postgresql, users["alice"], commit=True):
        postgresql.execute("delete from public.blocks")
    with acting_as(postgresql, users["carol"], commit=True):
        postgresql.execute("delete from public.mutes")
    for reader in ("bob", "carol"):
        with acting_as(postgresql, users[reader]):
            assert authors(postgresql) == ["alice", "bob", "carol", "dave"]


def test_a_suspended_users_tweets_are_hidden_from_everyone_until_lifted(postgresql, people):
    users, _ = people
    postgresql.execute("update public.profiles set suspended_at = now() where username = 'dave'")
    postgresql.commit()
    for reader in (None, users["alice"], users["carol"], users["dave"]):
        with acting_as(postgresql, reader):
            assert "dave" not in authors(postgresql), reader
    postgresql.execute("update public.profiles set suspended_at = null where username = 'dave'")
    postgresql.commit()
    with acting_as(postgresql, None):
        assert "dave" in authors(postgresql)


def test_a_hidden_authors_page_is_empty_and_others_are_not(postgresql, people):
    users, _ = people
    page = QUERIES["user_tweets_page"]
    with acting_as(postgresql, users["bob"]):
        assert postgresql.execute(page, {**FIRST_PAGE, "user_id": users["alice"]}).fetchall() == []
        assert len(postgresql.execute(page, {**FIRST_PAGE, "user_id": users["carol"]}).fetchall()) == 1
    with acting_as(postgresql, None):
        assert len(postgresql.execute(page, {**FIRST_PAGE, "user_id": users["alice"]}).fetchall()) == 1


def test_notifications_across_a_block_or_from_a_muted_actor_are_hidden(postgresql, people):
    users, tweets = people
    notify = "insert into public.notifications (recipient_id, type, actor_id, tweet_id) values (%s, %s, %s, %s)"
    # As if made before the block and the mute: bob liked alice's tweet, dave carol's, bob carol's.
    postgresql.execute(notify, (users["alice"], "like", users["bob"], tweets["alice"]))
    postgresql.execute(notify, (users["bob"], "follow", users["alice"], None))
    postgresql.execute(notify, (users["carol"], "like", users["dave"], tweets["carol"]))
    postgresql.execute(notify, (users["carol"], "like", users["bob"], tweets["carol"]))
    postgresql.commit()
    count = "select count(*) from public.notifications"
    with acting_as(postgresql, users["alice"]):
        assert postgresql.execute(count).fetchone()[0] == 0
    with acting_as(postgresql, users["bob"]):
        assert postgresql.execute(count).fetchone()[0] == 0
    with acting_as(postgresql, users["carol"]):
        assert postgresql.execute("select actor_id from public.notifications").fetchall() == [(users["bob"],)]
    with acting_as(postgresql, users["alice"], commit=True):
        postgresql.execute("delete from public.blocks")
    with acting_as(postgresql, users["alice"]):
        assert postgresql.execute(count).fetchone()[0] == 1


def test_reading_costs_index_probes_whatever_the_number_of_blocks_and_mutes(postgresql, people):
    """The policy probes the reader's own blocks and mutes by key for each row: were they hashed whole
    per statement (the planner's choice without `offset 0`), a reader with thousands would pay for
    all of them on every page."""
    users, _ = people
    others = [row[0] for row in postgresql.execute("""
        with created as (
          insert into auth.users (id, aud, role)
          select gen_random_uuid(), 'authenticated', 'authenticated' from generate_series(1, 4000)
          returning id
        )
        insert into public.profiles (id, username) select id, 'other' || row_number() over () from created
        returning id""").fetchall()]
    postgresql.execute("insert into public.blocks (blocker_id, blocked_id) select %s, unnest(%s::uuid[])",
                       (users["alice"], others[:2000]))
    postgresql.execute("insert into public.mutes (muter_id, muted_id) select %s, unnest(%s::uuid[])",
                       (users["alice"], others[2000:]))
    postgresql.commit()
    postgresql.execute("analyze public.blocks, public.mutes, public.tweets")
    postgresql.commit()
    with acting_as(postgresql, users["alice"]):
        plan = "\n".join(row[0] for row in postgresql.execute(
            "explain (analyze, costs off, timing off, summary off) " + QUERIES["all_tweets_page"],
            {**FIRST_PAGE, "limit": 3}).fetchall())
    # One exact probe per row of each: both columns in the index condition, nothing filtered after.
    assert "Index Only Scan using mutes_" in plan and "Index Only Scan using blocks_" in plan, plan
    assert "Filter: (muter_id" not in plan and "Filter: (blocker_id" not in plan, plan
    assert "Seq Scan on blocks" not in plan and "Seq Scan on mutes" not in plan, plan
    # No list read whole: the only hashed subplans are who blocks alice (blockers_of_caller, none),
    # once for the tweet and once for the tweet it quotes.
    assert "rows=2000" not in plan and len(set(re.findall(r"hashed SubPlan (\d+)", plan))) <= 2, plan
