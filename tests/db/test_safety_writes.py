"""What blocks and suspensions refuse, in SQL as `authenticated` (PostgREST's and psql's view), and
what a block ends; concurrent follows and blocks never leave a follow across a block."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.helpers.fixtures import acting_as, create_user


@pytest.fixture
def carol(postgresql):
    return create_user(postgresql, "carol")


def tweet(connection, user_id, content="hello", reply_to_id=None):
    row = connection.execute("insert into public.tweets (user_id, content, reply_to_id) values (%s, %s, %s)"
                             " returning id", (user_id, content, reply_to_id)).fetchone()
    connection.commit()
    return row[0]


def block(connection, blocker, blocked):
    connection.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (blocker, blocked))
    connection.commit()


def refusal(connection, query, params=()) -> tuple[str, str] | None:
    """(SQLSTATE, message) of a refused statement (in a savepoint), or None when it succeeds."""
    try:
        with connection.transaction():
            connection.execute(query, params)
    except psycopg.Error as error:
        return error.sqlstate, error.diag.message_primary
    return None


FOLLOW = "insert into public.follows (follower_id, followee_id) values (%s, %s)"
LIKE = "insert into public.likes (user_id, tweet_id) values (%s, %s)"
REPLY = "insert into public.tweets (user_id, content, reply_to_id) values (%s, 'reply', %s)"


def test_nothing_toward_the_other_side_of_a_block(postgresql, alice, bob, carol):
    alices, bobs = tweet(postgresql, alice), tweet(postgresql, bob)
    block(postgresql, alice, bob)
    with acting_as(postgresql, bob):
        assert refusal(postgresql, FOLLOW, (bob, alice)) == ("PT403", "@alice blocks you: you cannot follow them")
        assert refusal(postgresql, LIKE, (bob, alices)) == ("PT403", "@alice blocks you: you cannot like their tweets")
        assert refusal(postgresql, REPLY, (bob, alices)) == (
            "PT403", "@alice blocks you: you cannot reply to their tweets")
    with acting_as(postgresql, alice):  # the blocker is held to it too, with the way out in the message
        assert refusal(postgresql, FOLLOW, (alice, bob)) == ("PT403", "you block @bob: unblock them to follow them")
        assert refusal(postgresql, REPLY, (alice, bobs)) == (
            "PT403", "you block @bob: unblock them to reply to their tweets")
    with acting_as(postgresql, carol):  # others are not concerned
        assert refusal(postgresql, FOLLOW, (carol, alice)) is None
        assert refusal(postgresql, REPLY, (carol, alices)) is None
        assert refusal(postgresql, LIKE, (carol, bobs)) is None
    with acting_as(postgresql, alice, commit=True):
        postgresql.execute("delete from public.blocks")
    with acting_as(postgresql, bob):
        assert refusal(postgresql, FOLLOW, (bob, alice)) is None


def test_a_quote_across_a_block_is_refused(postgresql, alice, bob):
    """The check reads `quote_of_id` by name (the migration that adds it came later)."""
    alices = tweet(postgresql, alice)
    block(postgresql, alice, bob)
    quote = "insert into public.tweets (user_id, content, quote_of_id) values (%s, 'look', %s)"
    with acting_as(postgresql, bob):
        assert refusal(postgresql, quote, (bob, alices)) == ("PT403", "@alice blocks you: you cannot quote their tweets")


def test_a_repost_across_a_block_is_refused(postgresql, alice, bob):
    """The same trigger function on reposts, added by the migration after the one that made them."""
    alices = tweet(postgresql, alice)
    block(postgresql, bob, alice)
    insert = "insert into public.reposts (user_id, tweet_id) values (%s, %s)"
    with acting_as(postgresql, bob):
        assert refusal(postgresql, insert, (bob, alices)) == (
        "PT403", "you block @alice: unblock them to repost their tweets")


def test_a_block_ends_both_follows_and_says_so_to_the_consumer(postgresql, alice, bob, carol):
    for follower, followee in ((alice, bob), (bob, alice), (carol, alice), (bob, carol)):
        postgresql.execute(FOLLOW, (follower, followee))
    postgresql.execute("delete from pgmq.q_events")
    postgresql.commit()
    with acting_as(postgresql, alice, commit=True):  # through RLS: alice may not delete bob's follow herself
        postgresql.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    follows = postgresql.execute("select follower_id, followee_id from public.follows order by 1, 2").fetchall()
    assert sorted(follows) == sorted([(carol, alice), (bob, carol)])
    messages = [row[0] for row in postgresql.execute("select message from pgmq.q_events order by msg_id")]
    assert sorted(m["type"] for m in messages) == ["block.created", "follow.deleted", "follow.deleted"]
    assert {"type": "block.created", "blocker_id": str(alice), "blocked_id": str(bob)} in messages


def test_blocks_mutes_and_suspensions_are_events(postgresql, alice, bob):
    postgresql.execute("delete from pgmq.q_events")
    postgresql.commit()
    with acting_as(postgresql, alice, commit=True):
        postgresql.execute("insert into public.mutes (muter_id, muted_id) values (%s, %s)", (alice, bob))
        postgresql.execute("delete from public.mutes")
        postgresql.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
        postgresql.execute("delete from public.blocks")
    postgresql.execute("update public.profiles set suspended_at = now() where id = %s", (bob,))
    postgresql.execute("update public.profiles set full_name = 'Bob' where id = %s", (bob,))  # no event
    postgresql.execute("update public.profiles set suspended_at = null where id = %s", (bob,))
    postgresql.commit()
    types = [row[0] for row in postgresql.execute("select message ->> 'type' from pgmq.q_events order by msg_id")]
    assert types == ["mute.created", "mute.deleted", "block.created", "block.deleted",
                     "user.suspended", "user.reinstated"]


WRITES = [
    ("insert into public.tweets (user_id, content) values (%(me)s, 'hi')", "tweet"),
    ("delete from public.tweets where user_id = %(me)s", "delete own tweet"),
    ("insert into public.likes (user_id, tweet_id) values (%(me)s, %(tweet)s)", "like"),
    ("insert into public.follows (follower_id, followee_id) values (%(me)s, %(third)s)", "follow"),
    ("delete from public.follows where follower_id = %(me)s", "unfollow"),
    ("insert into public.blocks (blocker_id, blocked_id) values (%(me)s, %(other)s)", "block"),
    ("insert into public.mutes (muter_id, muted_id) values (%(me)s, %(other)s)", "mute"),
    ("insert into public.reports (reporter_id, reported_id, reason) values (%(me)s, %(other)s, 'x')", "report"),
    ("update public.profiles set full_name = 'New' where id = %(me)s", "profile"),
    ("update public.notifications set read_at = now() where recipient_id = %(me)s", "mark read"),
]


@pytest.mark.parametrize("statement, what", WRITES, ids=[what for _, what in WRITES])
def test_a_suspended_user_changes_nothing_until_lifted(postgresql, alice, bob, carol, statement, what):
    tweet(postgresql, alice)
    bobs = tweet(postgresql, bob)
    postgresql.execute(FOLLOW, (alice, bob))
    postgresql.execute("update public.profiles set suspended_at = now() where id = %s", (alice,))
    postgresql.commit()
    params = {"me": alice, "other": bob, "third": carol, "tweet": bobs}
    with acting_as(postgresql, alice):
        assert refusal(postgresql, statement, params) == (
            "PT403", "your account is suspended: you cannot change anything")
    with acting_as(postgresql, bob):  # others write on
        assert refusal(postgresql, "insert into public.tweets (user_id, content) values (%s, 'on')", (bob,)) is None
    postgresql.execute("update public.profiles set suspended_at = null where id = %s", (alice,))
    postgresql.commit()
    with acting_as(postgresql, alice):
        assert refusal(postgresql, statement, params) is None


def test_the_owner_may_still_clean_up_after_a_suspended_user(postgresql, alice):
    tweet(postgresql, alice)
    postgresql.execute("update public.profiles set suspended_at = now() where id = %s", (alice,))
    assert postgresql.execute("delete from public.tweets where user_id = %s", (alice,)).rowcount == 1


def concurrently(database_url, first_user, first_statement, first_params, second_user, second_statement,
                 second_params):
    """Run `first` in a transaction that stays open while `second` starts in another; then commit
    the first. Returns the second's refusal (or None), once it finished."""
    outcome = {}
    with psycopg.connect(database_url) as first, psycopg.connect(database_url) as second:
        with acting_as(first, first_user, commit=True):
            first.execute(first_statement, first_params)

            def run_second():
                with acting_as(second, second_user, commit=True):
                    outcome["refusal"] = refusal(second, second_statement, second_params)

            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(1.0)
            outcome["waited"] = thread.is_alive()  # held back by the pair's lock until the first commits
        thread.join(10)
    return outcome


def test_a_block_and_a_follow_at_the_same_moment_leave_no_follow_across_it(postgresql, database_url, alice, bob):
    # The follow first: the block, made meanwhile, ends it once the follow commits.
    outcome = concurrently(database_url, bob, FOLLOW, (bob, alice),
                           alice, "insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    assert outcome == {"waited": True, "refusal": None}
    assert postgresql.execute("select count(*) from public.follows").fetchone()[0] == 0
    postgresql.commit()
    # The block first: the follow, made meanwhile, sees it once the block commits, and is refused.
    postgresql.execute("delete from public.blocks")
    postgresql.commit()
    outcome = concurrently(database_url, alice, "insert into public.blocks (blocker_id, blocked_id) values (%s, %s)",
                           (alice, bob), bob, FOLLOW, (bob, alice))
    assert outcome == {"waited": True, "refusal": ("PT403", "@alice blocks you: you cannot follow them")}
    assert postgresql.execute("select count(*) from public.follows").fetchone()[0] == 0
