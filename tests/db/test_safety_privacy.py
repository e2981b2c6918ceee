"""Blocks and mutes are private, reports are the operators': tried in SQL as `anon` and as
`authenticated` users, the way the API and PostgREST set them."""

from __future__ import annotations

import psycopg
import pytest

from tests.helpers.fixtures import acting_as, create_user


@pytest.fixture
def carol(postgresql):
    return create_user(postgresql, "carol")


def block(connection, blocker, blocked):
    connection.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (blocker, blocked))
    connection.commit()


def mute(connection, muter, muted):
    connection.execute("insert into public.mutes (muter_id, muted_id) values (%s, %s)", (muter, muted))
    connection.commit()


def rows(connection, query, params=()):
    return connection.execute(query, params).fetchall()


def refused(connection, query, params=()) -> str | None:
    """The SQLSTATE a statement fails with (in a savepoint, so the caller's transaction goes on), or None."""
    try:
        with connection.transaction():
            connection.execute(query, params)
    except psycopg.Error as error:
        return error.sqlstate
    return None


@pytest.mark.parametrize("table, owner_column", [("blocks", "blocker_id"), ("mutes", "muter_id")])
def test_only_their_owner_reads_blocks_and_mutes(postgresql, alice, bob, carol, table, owner_column):
    (block if table == "blocks" else mute)(postgresql, alice, bob)
    with acting_as(postgresql, alice):
        assert rows(postgresql, f"select {owner_column} from public.{table}") == [(alice,)]
    for reader in (bob, carol):  # the one blocked or muted learns nothing from the table, nor anyone else
        with acting_as(postgresql, reader):
            assert rows(postgresql, f"select * from public.{table}") == []
    with acting_as(postgresql, None):
        assert refused(postgresql, f"select * from public.{table}") == "42501"


@pytest.mark.parametrize("table, columns", [("blocks", "(blocker_id, blocked_id)"), ("mutes", "(muter_id, muted_id)")])
def test_blocks_and_mutes_are_made_and_undone_only_as_yourself(postgresql, alice, bob, carol, table, columns):
    with acting_as(postgresql, bob):
        assert refused(postgresql, f"insert into public.{table} {columns} values (%s, %s)", (alice, carol)) == "42501"
        assert refused(postgresql, f"insert into public.{table} {columns} values (%s, %s)", (bob, bob)) == "23514"
        assert refused(postgresql, f"insert into public.{table} {columns} values (%s, %s)", (bob, carol)) is None
    (block if table == "blocks" else mute)(postgresql, alice, carol)
    with acting_as(postgresql, bob):
        postgresql.execute(f"delete from public.{table}")  # RLS: bob's delete sees only bob's rows
    assert rows(postgresql, f"select count(*) from public.{table}") == [(1,)]
    with acting_as(postgresql, None):
        assert refused(postgresql, f"insert into public.{table} {columns} values (%s, %s)", (alice, bob)) == "42501"
        assert refused(postgresql, f"delete from public.{table}") == "42501"


def test_reports_are_filed_as_yourself_and_read_by_the_owner_only(postgresql, alice, bob):
    tweet_id = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'rude words') returning id", (bob,)).fetchone()[0]
    postgresql.commit()
    report = "insert into public.reports (reporter_id, reported_id, tweet_id, reason) values (%s, %s, %s, %s)"
    with acting_as(postgresql, alice, commit=True):
        assert refused(postgresql, report, (alice, bob, tweet_id, "abusive")) is None
        assert refused(postgresql, report, (bob, alice, None, "forged")) == "42501"  # not as someone else
        assert refused(postgresql, "select * from public.reports") == "42501"  # not even her own
        assert refused(postgresql, "select * from public.open_reports") == "42501"
        assert refused(postgresql, "update public.reports set resolved_at = now()") == "42501"
        assert refused(postgresql, "delete from public.reports") == "42501"
    with acting_as(postgresql, None):
        assert refused(postgresql, report, (alice, bob, None, "anon")) == "42501"
        assert refused(postgresql, "select * from public.open_reports") == "42501"
    # The tweet's text outlives the tweet, for the operators.
    postgresql.execute("delete from public.tweets where id = %s", (tweet_id,))
    assert rows(postgresql, "select reporter, reported, tweet_id, reason from public.open_reports") == [
        ("alice", "bob", tweet_id, "abusive")]
    assert rows(postgresql, "select tweet_content from public.reports") == [("rude words",)]


def test_a_reported_tweet_must_be_the_reported_users(postgresql, alice, bob, carol):
    carols = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'hi') returning id", (carol,)).fetchone()[0]
    postgresql.commit()
    report = "insert into public.reports (reporter_id, reported_id, tweet_id, reason) values (%s, %s, %s, 'x')"
    with acting_as(postgresql, alice):
        assert refused(postgresql, report, (alice, bob, carols)) == "PT422"
        assert refused(postgresql, report, (alice, bob, "00000000-0000-0000-0000-000000000001")) == "PT422"
        assert refused(postgresql, report, (alice, alice, None)) == "23514"  # not yourself
        assert refused(postgresql, "insert into public.reports (reporter_id, reported_id, reason)"
                                   " values (%s, %s, '')", (alice, bob)) == "23514"


def test_users_cannot_suspend_anyone_nor_lift_their_own_suspension(postgresql, alice, bob):
    postgresql.execute("update public.profiles set suspended_at = now() where id = %s", (bob,))
    postgresql.commit()
    for user in (alice, bob):
        with acting_as(postgresql, user):
            assert refused(postgresql, "update public.profiles set suspended_at = null where id = %s", (bob,)) == "42501"
            assert refused(postgresql, "update public.profiles set suspended_at = now() where id = %s", (alice,)) \
                == "42501"
    with acting_as(postgresql, None):
        # Whether an account is suspended is public, as its profile is.
        assert rows(postgresql, "select username from public.profiles where suspended_at is not null") == [("bob",)]


def test_the_api_roles_hold_only_what_the_contract_needs_on_the_new_tables(postgresql):
    granted = rows(postgresql, """
        select grantee, table_name, privilege_type from information_schema.role_table_grants
        where table_schema = 'public' and table_name in ('blocks', 'mutes', 'reports', 'open_reports')
          and grantee in ('anon', 'authenticated')
        order by 1, 2, 3""")
    assert granted == [("authenticated", "blocks", "DELETE"), ("authenticated", "blocks", "SELECT"),
                       ("authenticated", "mutes", "DELETE"), ("authenticated", "mutes", "SELECT")]
    columns = rows(postgresql, """
        select grantee, table_name, column_name from information_schema.column_privileges
        where table_schema = 'public' and table_name in ('blocks', 'mutes', 'reports')
          and grantee in ('anon', 'authenticated') and privilege_type in ('INSERT', 'UPDATE')
        order by 1, 2, 3""")
    assert columns == [
        ("authenticated", "blocks", "blocked_id"), ("authenticated", "blocks", "blocker_id"),
        ("authenticated", "mutes", "muted_id"), ("authenticated", "mutes", "muter_id"),
        ("authenticated", "reports", "id"), ("authenticated", "reports", "reason"),
        ("authenticated", "reports", "reported_id"), ("authenticated", "reports", "reporter_id"),
        ("authenticated", "reports", "tweet_id")]
    # Trigger and internal functions are nobody's to call.
    callable_functions = rows(postgresql, """
        select p.proname from pg_proc p
        where p.pronamespace = 'public'::regnamespace
          and p.proname in ('refuse_across_block', 'refuse_if_blocked', 'lock_user_pair', 'end_follows_across_block',
                            'refuse_suspended_writer', 'check_reported_tweet', 'enqueue_block_events',
                            'enqueue_mute_events', 'enqueue_suspension_events', 'blockers_of_caller',
                            'author_hidden', 'caller_blocks', 'caller_mutes')
          and (has_function_privilege('anon', p.oid, 'execute')
               or has_function_privilege('authenticated', p.oid, 'execute'))
        order by 1""")
    assert [name for (name,) in callable_functions] == [
        "author_hidden", "blockers_of_caller", "caller_blocks", "caller_mutes"]
    assert not rows(postgresql, "select has_function_privilege('anon', 'public.blockers_of_caller()', 'execute')")[0][0]


def test_the_helpers_answer_only_about_their_caller(postgresql, alice, bob, carol):
    block(postgresql, alice, bob)
    mute(postgresql, alice, carol)
    with acting_as(postgresql, carol):  # a third party learns nothing about alice's blocks or mutes
        assert rows(postgresql, "select * from public.blockers_of_caller()") == []
        assert rows(postgresql, "select public.caller_blocks(%s), public.caller_mutes(%s)", (bob, bob)) == [
            (False, False)]
        assert rows(postgresql, "select public.author_hidden(%s), public.author_hidden(%s)", (alice, bob)) == [
            (False, False)]
    with acting_as(postgresql, alice):
        assert rows(postgresql, "select public.caller_blocks(%s), public.caller_mutes(%s)", (bob, carol)) == [
            (True, True)]
    with acting_as(postgresql, None):
        assert rows(postgresql, "select public.caller_blocks(%s), public.author_hidden(%s)", (bob, bob)) == [
            (False, False)]
