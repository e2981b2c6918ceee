"""Reposts, bookmarks, quotes, hashtags and search at the database, as `anon` and as two
`authenticated` users the way the API sets them: bookmarks are private, reposts made only as
yourself, reposts counted by the write limit, the consumer's tables closed to writes."""

from __future__ import annotations

import psycopg
import pytest

from tests.db.test_row_level_security import count, refused
from tests.db.test_write_limits import LIMIT, TWEET, hourly_limit, write_as  # noqa: F401 - fixture
from tests.helpers.fixtures import acting_as, create_user


@pytest.fixture
def shared(postgresql, alice, bob):
    """Bob's tweet, which Alice has reposted and bookmarked, and a tag row of it."""
    tweet_id = postgresql.execute(
        "insert into public.tweets (user_id, content) values (%s, 'hello #world') returning id", (bob,)
    ).fetchone()[0]
    postgresql.execute("insert into public.reposts (user_id, tweet_id) values (%s, %s)", (alice, tweet_id))
    postgresql.execute("insert into public.bookmarks (user_id, tweet_id) values (%s, %s)", (alice, tweet_id))
    postgresql.execute("insert into public.tweet_hashtags (tag, created_at, tweet_id) "
                       "select 'world', created_at, id from public.tweets where id = %s", (tweet_id,))
    postgresql.commit()
    return tweet_id


def test_the_new_tables_have_row_level_security(postgresql):
    rows = postgresql.execute(
        "select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace"
        " and relname in ('reposts', 'bookmarks', 'tweet_hashtags')").fetchall()
    assert sorted(rows) == [("bookmarks", True), ("reposts", True), ("tweet_hashtags", True)]


def test_bookmarks_are_read_only_by_their_owner(postgresql, shared, alice, bob):
    with acting_as(postgresql, alice):
        assert count(postgresql, "select count(*) from public.bookmarks") == 1
    with acting_as(postgresql, bob):
        assert count(postgresql, "select count(*) from public.bookmarks") == 0
        assert count(postgresql, "select count(*) from public.tweet_cards where bookmarked") == 0
    with acting_as(postgresql, None):
        # anon may not read the table at all (the projection's flags come from public.viewer_marks).
        assert refused(postgresql, "select count(*) from public.bookmarks")
        assert refused(postgresql, "select created_at from public.bookmarks")
        assert count(postgresql, "select count(*) from public.tweet_cards where bookmarked or reposted or liked") == 0


def test_bookmarks_are_made_and_removed_only_as_yourself(postgresql, shared, alice, bob):
    with acting_as(postgresql, bob):
        assert refused(postgresql, "insert into public.bookmarks (user_id, tweet_id) values (%s, %s)",
                       (alice, shared))
        assert not refused(postgresql, "insert into public.bookmarks (user_id, tweet_id) values (%s, %s)",
                           (bob, shared))
        assert postgresql.execute("delete from public.bookmarks where user_id = %s", (alice,)).rowcount == 0
    with acting_as(postgresql, None):
        assert refused(postgresql, "insert into public.bookmarks (user_id, tweet_id) values (%s, %s)",
                       (alice, shared))
        assert refused(postgresql, "delete from public.bookmarks")


def test_reposts_are_public_and_made_only_as_yourself(postgresql, shared, alice, bob):
    with acting_as(postgresql, None):
        assert count(postgresql, "select count(*) from public.reposts") == 1
        assert refused(postgresql, "insert into public.reposts (user_id, tweet_id) values (%s, %s)", (bob, shared))
    with acting_as(postgresql, bob):
        assert refused(postgresql, "insert into public.reposts (user_id, tweet_id) values (%s, %s)", (alice, shared))
        assert postgresql.execute("delete from public.reposts where user_id = %s", (alice,)).rowcount == 0
        assert refused(postgresql, "update public.reposts set created_at = now()")
    with acting_as(postgresql, alice):
        assert count(postgresql, "select count(*) from public.tweet_cards where reposted and bookmarked") == 1
        assert postgresql.execute("delete from public.reposts where user_id = %s", (alice,)).rowcount == 1


def test_a_quote_is_written_as_yourself_and_not_edited(postgresql, shared, alice, bob):
    with acting_as(postgresql, alice):
        assert not refused(postgresql, "insert into public.tweets (user_id, content, quote_of_id) "
                                       "values (%s, 'quote', %s)", (alice, shared))
        assert refused(postgresql, "insert into public.tweets (user_id, content, quote_of_id) "
                                   "values (%s, 'forged', %s)", (bob, shared))
        assert refused(postgresql, "update public.tweets set quote_of_id = null")


@pytest.mark.parametrize("user", ["anon", "alice"])
@pytest.mark.parametrize("statement", [
    "insert into public.tweet_hashtags (tag, created_at, tweet_id) values ('x', now(), gen_random_uuid())",
    "delete from public.tweet_hashtags",
    "update public.tweet_counters set repost_count = 1000",
    "update public.home_timeline set reposted_by = null",
])
def test_the_consumers_tables_are_closed_to_writes(postgresql, shared, alice, user, statement):
    with acting_as(postgresql, None if user == "anon" else alice):
        assert refused(postgresql, statement)


def test_hashtag_rows_are_readable_and_name_nothing_but_the_tweet(postgresql, shared, bob):
    with acting_as(postgresql, None):
        assert count(postgresql, "select count(*) from public.tweet_hashtags") == 1
        columns = [column.name for column in postgresql.execute("select * from public.tweet_hashtags").description]
        assert columns == ["tag", "created_at", "tweet_id"]


def test_reposts_count_against_the_write_limit(postgresql, shared, alice, bob, hourly_limit):  # noqa: F811
    tweets = [postgresql.execute("insert into public.tweets (user_id, content) values (%s, %s) returning id",
                                 (bob, f"t{number}")).fetchone()[0] for number in range(LIMIT)]
    postgresql.commit()
    repost = "insert into public.reposts (user_id, tweet_id) values (%s, %s)"
    assert [write_as(postgresql, alice, repost, (alice, tweet_id)) for tweet_id in tweets[:2]] == [None, None]
    assert write_as(postgresql, alice, TWEET, (alice,)) is None
    assert write_as(postgresql, alice, repost, (alice, tweets[2])) == "PT429"
    # Bookmarks are not writes the database limits.
    assert write_as(postgresql, alice, "insert into public.bookmarks (user_id, tweet_id) values (%s, %s)",
                    (alice, tweets[2])) is None


def test_reposts_enqueue_events_in_the_same_transaction(postgresql, shared, alice):
    def messages():
        types = [row[0] for row in postgresql.execute(
            "select message->>'type' from pgmq.q_events where message->>'type' like 'repost.%' order by msg_id")]
        postgresql.commit()
        return types

    with pytest.raises(psycopg.errors.UniqueViolation), acting_as(postgresql, alice):
        postgresql.execute("insert into public.reposts (user_id, tweet_id) values (%s, %s)", (alice, shared))
    postgresql.rollback()
    assert messages() == ["repost.created"]  # the fixture's, as the owner: nothing from the failed one
    with acting_as(postgresql, alice, commit=True):
        postgresql.execute("delete from public.reposts where user_id = %s", (alice,))
    assert messages() == ["repost.created", "repost.deleted"]


def test_the_search_function_is_immutable_and_callable_by_the_api_roles(postgresql):
    volatility = postgresql.execute(
        "select provolatile from pg_proc where oid = 'public.search_folded(text)'::regprocedure").fetchone()[0]
    assert volatility == "i"
    with acting_as(postgresql, None):
        assert postgresql.execute("select public.search_folded('Crème BRÛLÉE Ёлка')").fetchone()[0] \
            == "creme brulee елка"


MATCHING = "select id from public.matching_tweet_ids(%s, 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', %s)"


def test_the_search_ids_are_only_of_tweets_the_caller_may_read(postgresql, alice, bob):
    """public.matching_tweet_ids runs as the owner (so the GIN index can be used under RLS) and holds
    the tweets policy's rules itself: tried as anon, as a blocked user, a blocker and a muter."""
    carol, dave = create_user(postgresql, "carol"), create_user(postgresql, "dave")
    tweets = {user: postgresql.execute("insert into public.tweets (user_id, content) values (%s, 'turnip news') "
                                       "returning id", (user,)).fetchone()[0] for user in (alice, bob, carol, dave)}
    postgresql.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    postgresql.execute("insert into public.mutes (muter_id, muted_id) values (%s, %s)", (carol, dave))
    postgresql.execute("update public.profiles set suspended_at = now() where id = %s", (dave,))
    postgresql.commit()

    def found(user, words="TURNIP news", limit=100):
        with acting_as(postgresql, user):
            matched = {row[0] for row in postgresql.execute(MATCHING, (words, limit))}
            # The function never answers more than the caller reads through RLS.
            readable = {row[0] for row in postgresql.execute("select id from public.tweets")}
            assert matched <= readable
            return matched

    everyone_but_dave = {tweets[alice], tweets[bob], tweets[carol]}
    assert found(None) == everyone_but_dave  # anon: all but the suspended
    assert found(alice) == {tweets[alice], tweets[carol]}  # she blocks bob
    assert found(bob) == {tweets[bob], tweets[carol]}  # alice blocks him
    assert found(carol) == everyone_but_dave  # she mutes dave, who is suspended anyway
    assert found(carol, "news -turnip") == everyone_but_dave  # plain words: no operator
    assert found(carol, "radish") == set()
    assert len(found(None, limit=-5)) == 0 and len(found(None, limit=10**9)) == 3  # bounded
    with acting_as(postgresql, alice):
        assert refused(postgresql, "select public.matching_tweet_ids(%s, now(), null, 1)", ("x'); drop table x; --",)) \
            is False  # text is data: no error, no match


def test_the_search_fills_its_page_past_tweets_the_caller_may_not_read(postgresql, alice, bob):
    """The rules are tested after sorting, as rows leave in order: the newest matches hidden from the
    caller are passed over, and the page holds the next ones, newest first."""
    carol = create_user(postgresql, "carol")
    older = [postgresql.execute("insert into public.tweets (user_id, content, created_at) values "
                                "(%s, 'parsnip', now() - make_interval(mins => %s)) returning id",
                                (carol, 10 + minutes)).fetchone()[0] for minutes in range(3)]
    for minutes in range(5):  # newer, by someone alice blocks
        postgresql.execute("insert into public.tweets (user_id, content, created_at) values "
                           "(%s, 'parsnip', now() - make_interval(mins => %s))", (bob, minutes))
    postgresql.execute("insert into public.blocks (blocker_id, blocked_id) values (%s, %s)", (alice, bob))
    postgresql.commit()
    with acting_as(postgresql, alice):
        assert [row[0] for row in postgresql.execute(MATCHING, ("parsnip", 2))] == older[:2]
    with acting_as(postgresql, None):
        assert len(postgresql.execute(MATCHING, ("parsnip", 6)).fetchall()) == 6
