"""The consumer and blocks, mutes and suspensions: no notification across a block or from a muted
actor (even when the block comes after the action, before the consumer), home timelines without
blocked or muted authors, and the live events the streams apply."""

from __future__ import annotations

import pytest

from tests.consumer.test_handlers import insert_tweet
from tests.consumer.test_home_timeline import follow, timeline
from tests.helpers.fixtures import create_user


@pytest.fixture
def carol(postgresql):
    return create_user(postgresql, "carol")


def execute(connection, query, params=()):
    connection.execute(query, params)
    connection.commit()


def notifications(connection, recipient):
    rows = connection.execute("select type, actor_id from public.notifications where recipient_id = %s order by type",
                              (recipient,)).fetchall()
    connection.commit()
    return rows


def test_no_notification_across_a_block_made_before_the_consumer_ran(postgresql, alice, bob, carol, drain):
    alices = insert_tweet(postgresql, alice, "hello")
    drain()
    # bob acts; then alice blocks him; only then does the consumer see bob's events.
    insert_tweet(postgresql, bob, "hey @alice and @carol")
    execute(postgresql, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, alices))
    execute(postgresql, "insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    drain()
    assert notifications(postgresql, alice) == []
    assert notifications(postgresql, carol) == [("mention", bob)]  # others are not concerned


def test_no_notification_from_a_muted_actor(postgresql, alice, bob, carol, drain):
    alices = insert_tweet(postgresql, alice, "hello")
    execute(postgresql, "insert into public.mutes (muter_id, muted_id) values (%s, %s)", (alice, bob))
    insert_tweet(postgresql, bob, "hey @alice", reply_to_id=alices)
    execute(postgresql, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (bob, alices))
    follow(postgresql, bob, alice)
    execute(postgresql, "insert into public.likes (user_id, tweet_id) values (%s, %s)", (carol, alices))
    drain()
    assert notifications(postgresql, alice) == [("like", carol)]
    # The mute is one-sided: alice's actions still reach bob.
    insert_tweet(postgresql, alice, "hi @bob")
    drain()
    assert notifications(postgresql, bob) == [("mention", alice)]


def test_fan_out_skips_who_mutes_the_author_and_a_mute_takes_entries_out(postgresql, alice, bob, carol, drain):
    follow(postgresql, alice, bob)
    follow(postgresql, carol, bob)
    first = insert_tweet(postgresql, bob, "one")
    drain()
    assert timeline(postgresql, alice) == [first]
    execute(postgresql, "insert into public.mutes (muter_id, muted_id) values (%s, %s)", (alice, bob))
    second = insert_tweet(postgresql, bob, "two")
    drain()
    assert timeline(postgresql, alice) == []
    assert timeline(postgresql, carol) == [second, first]
    execute(postgresql, "delete from public.mutes")
    drain()
    assert timeline(postgresql, alice) == [second, first]  # the unmute backfills, as a follow does


def test_a_block_takes_both_sides_entries_out(postgresql, alice, bob, drain):
    follow(postgresql, alice, bob)
    follow(postgresql, bob, alice)
    insert_tweet(postgresql, alice, "a")
    insert_tweet(postgresql, bob, "b")
    drain()
    assert len(timeline(postgresql, alice)) == len(timeline(postgresql, bob)) == 1
    execute(postgresql, "insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (bob, alice))
    drain()
    assert timeline(postgresql, alice) == timeline(postgresql, bob) == []


def test_an_unmute_does_not_bring_back_an_author_the_reader_no_longer_follows(postgresql, alice, bob, drain):
    insert_tweet(postgresql, bob, "b")
    execute(postgresql, "insert into public.mutes (muter_id, muted_id) values (%s, %s)", (alice, bob))
    execute(postgresql, "delete from public.mutes")
    drain()
    assert timeline(postgresql, alice) == []


def test_blocks_mutes_and_suspensions_become_live_events(postgresql, alice, bob, drain):
    postgresql.execute("delete from public.live_events")
    execute(postgresql, "insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    execute(postgresql, "delete from public.blocks")
    execute(postgresql, "insert into public.mutes (muter_id, muted_id) values (%s, %s)", (bob, alice))
    execute(postgresql, "delete from public.mutes")
    execute(postgresql, "update public.profiles set suspended_at = now() where id = %s", (alice,))
    execute(postgresql, "update public.profiles set suspended_at = null where id = %s", (alice,))
    drain()
    rows = postgresql.execute("select kind, user_id, target_id from public.live_events order by id").fetchall()
    assert rows == [("block", alice, bob), ("unblock", alice, bob), ("mute", bob, alice), ("unmute", bob, alice),
                    ("suspend", alice, None), ("reinstate", alice, None)]
