"""What `anon` and `authenticated` may touch, object by object, against an allow-list from the contract.

Every table, view, materialized view, sequence, function and procedure outside PostgreSQL's own
catalogs is enumerated, with the privileges each API role holds on it (directly, through PUBLIC or
through a role it belongs to, as has_*_privilege reports them), and compared with the lists below.
A new object that either role can use fails these tests until someone decides, here, that it should
(contract, Database: nothing beyond what the contract needs; no sequence of any table, no
bookkeeping table of the API's or the consumer's, nothing in `pgmq`).
"""

import psycopg
import pytest

from tests.helpers.fixtures import acting_as

API_ROLES = ("anon", "authenticated")

# Everyone reads profiles, tweets, the social graph, likes and the analytics (contract, Database).
PUBLIC_READING = {
    "public.profiles": {"select"},
    "public.tweets": {"select"},
    "public.follows": {"select"},
    "public.likes": {"select"},
    "public.profile_counters": {"select"},
    "public.tweet_counters": {"select"},
    "public.hashtag_hourly_counts": {"select"},
    # Whose tweets are merged in at read time: public knowledge, as their follower counts are.
    "public.timeline_pulled_authors": {"select"},
    # The one tweet projection every list reads (security_invoker: the tables' RLS decides).
    "public.tweet_cards": {"select"},
    # Reposts are public as likes are; hashtags of tweets, for hashtag timelines.
    "public.reposts": {"select"},
    "public.tweet_hashtags": {"select"},
    # The projection's flags (liked, reposted, bookmarked) are read as the reader from their row
    # here: anon may name the table, and RLS (own rows only) gives it nothing.
    "public.viewer_marks": {"select"},
}

ALLOWED_RELATIONS = {
    "anon": PUBLIC_READING,
    "authenticated": {
        **PUBLIC_READING,
        # Insert only as auth.uid(), change or delete only your own rows (RLS decides which rows).
        "public.profiles": {"select", "insert(avatar_url,full_name,id,username)",
                            "update(avatar_url,full_name,updated_at,username)"},
        "public.tweets": {"select", "insert(content,quote_of_id,reply_to_id,user_id)", "delete"},
        "public.follows": {"select", "insert(followee_id,follower_id)", "delete"},
        "public.likes": {"select", "insert(tweet_id,user_id)", "delete"},
        # Your own notifications: read, mark read, delete.
        "public.notifications": {"select", "update(read_at)", "delete"},
        # Your own home timeline, written ahead by the consumer.
        "public.home_timeline": {"select"},
        "public.home_timeline_horizons": {"select"},
        # Blocks and mutes: made, read and undone only as their owner (RLS); reports: made, never read.
        "public.blocks": {"select", "insert(blocked_id,blocker_id)", "delete"},
        "public.mutes": {"select", "insert(muted_id,muter_id)", "delete"},
        "public.reports": {"insert(id,reason,reported_id,reporter_id,tweet_id)"},
        # Reposts and bookmarks: made and undone only as yourself; bookmarks read only by their owner.
        "public.reposts": {"select", "insert(tweet_id,user_id)", "delete"},
        "public.bookmarks": {"select", "insert(tweet_id,user_id)", "delete"},
    },
}

# Supabase's helpers, which RLS policies call, and the narrow functions the API calls as the caller.
SUPABASE_HELPERS = {"auth.uid()", "auth.role()", "auth.jwt()"}
# What the tweets and notifications policies call as the reader (blocks, mutes, suspension).
VISIBILITY_HELPERS = {"public.author_hidden(author uuid)", "public.caller_blocks(other uuid)",
                      "public.caller_mutes(other uuid)",
                      # Search: the text folding the API's search query applies to the caller's words.
                      "public.search_folded(content text)",
                      # Search: the ids of the tweets the caller may read that match (through the index).
                      "public.matching_tweet_ids(words text, before_created_at timestamp with time zone, "
                      "before_id uuid, max_rows integer)"}
ALLOWED_FUNCTIONS = {
    "anon": SUPABASE_HELPERS | VISIBILITY_HELPERS,
    "authenticated": SUPABASE_HELPERS | VISIBILITY_HELPERS | {
        # Who blocks the caller (and only the caller): the tweets policy must hide them.
        "public.blockers_of_caller()",
        "public.claim_idempotency_key(key text)",
        "public.remember_idempotent_tweet(key text, tweet_id uuid)",
        "public.idempotent_tweet(key text)",
    },
}

# Schemas the API roles may look into at all; pgmq and the migrations' history are not among them.
ALLOWED_SCHEMAS = {"public", "auth"}

# Relation kinds: table, view, materialized view, sequence, partitioned table, foreign table.
RELATION_PRIVILEGES = """
with relation as (
  select c.oid, format('%%I.%%I', n.nspname, c.relname) as name, c.relkind
  from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
  where c.relkind in ('r', 'v', 'm', 'S', 'p', 'f')
    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
),
table_privilege as (
  select relation.name, privilege
  from relation, unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger'])
    as privilege
  where relation.relkind <> 'S' and has_table_privilege(%(role)s, relation.oid, privilege)
),
column_privilege as (
  select relation.name,
         format('%%s(%%s)', privilege, string_agg(attribute.attname, ',' order by attribute.attname))
  from relation
  join pg_attribute as attribute on attribute.attrelid = relation.oid
    and attribute.attnum > 0 and not attribute.attisdropped
  cross join unnest(array['select', 'insert', 'update', 'references']) as privilege
  where relation.relkind <> 'S'
    and not has_table_privilege(%(role)s, relation.oid, privilege)
    and has_column_privilege(%(role)s, relation.oid, attribute.attnum, privilege)
  group by relation.name, privilege
),
sequence_privilege as (
  select relation.name, privilege
  from relation, unnest(array['usage', 'select', 'update']) as privilege
  where relation.relkind = 'S' and has_sequence_privilege(%(role)s, relation.oid, privilege)
)
select * from table_privilege
union all select * from column_privilege
union all select * from sequence_privilege
"""

EXECUTABLE_FUNCTIONS = """
select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
where n.nspname not in ('pg_catalog', 'information_schema')
  and has_function_privilege(%(role)s, p.oid, 'execute')
"""


def relation_privileges(connection, role: str) -> dict[str, set[str]]:
    """Every relation outside the catalogs on which `role` holds a privilege, with those privileges."""
    held: dict[str, set[str]] = {}
    for name, privilege in connection.execute(RELATION_PRIVILEGES, {"role": role}):
        held.setdefault(name, set()).add(privilege)
    return held


def executable_functions(connection, role: str) -> set[str]:
    """Every function and procedure outside the catalogs that `role` may execute."""
    return {name for (name,) in connection.execute(EXECUTABLE_FUNCTIONS, {"role": role})}


@pytest.mark.parametrize("role", API_ROLES)
def test_relation_privileges_are_exactly_the_allowed_ones(postgresql, role):
    assert relation_privileges(postgresql, role) == ALLOWED_RELATIONS[role]


@pytest.mark.parametrize("role", API_ROLES)
def test_executable_functions_are_exactly_the_allowed_ones(postgresql, role):
    assert executable_functions(postgresql, role) == ALLOWED_FUNCTIONS[role]


@pytest.mark.parametrize("role", API_ROLES)
def test_schemas_in_reach_are_the_allowed_ones_and_none_is_writable(postgresql, role):
    rows = postgresql.execute(
        "select nspname, has_schema_privilege(%(role)s, oid, 'create') from pg_namespace"
        " where nspname not in ('pg_catalog', 'information_schema')"
        " and has_schema_privilege(%(role)s, oid, 'usage')", {"role": role}).fetchall()
    assert {name for name, _ in rows} == ALLOWED_SCHEMAS
    assert [name for name, creatable in rows if creatable] == []


@pytest.mark.parametrize("role", API_ROLES)
def test_nothing_in_pgmq_is_usable(postgresql, role):
    assert not postgresql.execute("select has_schema_privilege(%s, 'pgmq', 'usage')", (role,)).fetchone()[0]
    assert not [name for name in relation_privileges(postgresql, role) if name.startswith("pgmq.")]
    assert not [name for name in executable_functions(postgresql, role) if name.startswith("pgmq.")]


@pytest.mark.parametrize("role", [None, "authenticated"])
@pytest.mark.parametrize("statement", [
    # The repro of issue 16: a sequence moved back made every consumer attempt fail on live_events_pkey.
    "select setval('public.live_events_id_seq', 1, false)",
    "select nextval('public.live_events_id_seq')",
    "select last_value from public.live_events_id_seq",
])
def test_the_api_roles_cannot_touch_the_live_events_sequence(postgresql, alice, role, statement):
    with acting_as(postgresql, alice if role else None):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            postgresql.execute(statement)


def test_trigger_functions_are_not_executable_by_the_api_roles(postgresql):
    rows = postgresql.execute(
        "select p.oid::regprocedure::text, r.rolname from pg_proc as p"
        " cross join (values ('anon'), ('authenticated')) as r (rolname)"
        " where p.prorettype = 'trigger'::regtype"
        " and p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"
        " and has_function_privilege(r.rolname, p.oid, 'execute')").fetchall()
    assert rows == []


def test_every_security_definer_function_of_ours_has_an_empty_search_path(postgresql):
    rows = postgresql.execute(
        "select p.oid::regprocedure::text from pg_proc as p"
        " where p.prosecdef and p.pronamespace = 'public'::regnamespace"
        " and not coalesce('search_path=\"\"' = any(p.proconfig), false)").fetchall()
    assert rows == []
    assert postgresql.execute(
        "select count(*) from pg_proc where prosecdef and pronamespace = 'public'::regnamespace"
    ).fetchone()[0] > 0


@pytest.mark.parametrize("kind, create", [
    ("table", "create table public.later_table (id bigint generated always as identity primary key)"),
    ("function", "create function public.later_function() returns integer language sql as 'select 1'"),
    ("procedure", "create procedure public.later_procedure() language sql as 'select 1'"),
    ("view", "create view public.later_view as select 1 as one"),
])
def test_an_object_created_later_by_the_migrations_role_starts_closed(postgresql, kind, create):
    postgresql.execute(create)
    for role in API_ROLES:
        assert not [name for name in relation_privileges(postgresql, role) if "later_" in name], (kind, role)
        assert not [name for name in executable_functions(postgresql, role) if "later_" in name], (kind, role)
    postgresql.rollback()
