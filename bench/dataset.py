"""The data the benchmarks share: users made in bulk, tweets loaded past the triggers, and home
timelines written ahead as the consumer would have."""

from __future__ import annotations

import psycopg

CREATE_USERS = """
with created as (
  insert into auth.users (id, aud, role)
  select gen_random_uuid(), 'authenticated', 'authenticated' from generate_series(1, %(count)s)
  returning id
)
insert into public.profiles (id, username)
select id, %(prefix)s || row_number() over () from created
returning id
"""
# Triggers (the events queue, foreign keys) are skipped for the bulk load: the authors exist, and
# a million queued events would measure the queue, not the timeline.
BULK_TWEETS = """
insert into public.tweets (user_id, content, created_at)
select (%(authors)s::uuid[])[1 + n %% cardinality(%(authors)s::uuid[])],
       'bulk tweet number ' || n || ' about #postgres',
       now() - interval '1 second' * n - interval '1 hour'
from generate_series(%(first)s::bigint, %(last)s::bigint) as n
"""
FOLLOW_ALL = """
insert into public.follows (follower_id, followee_id)
select reader, author from unnest(%(readers)s::uuid[]) as reader, unnest(%(authors)s::uuid[]) as author
"""
WRITE_AHEAD = """
with kept as (
  select tweet.created_at, tweet.id, tweet.user_id,
         row_number() over (order by tweet.created_at desc, tweet.id desc) as rank
  from public.follows as follow
  join public.tweets as tweet on tweet.user_id = follow.followee_id
  where follow.follower_id = %(reader)s
  order by tweet.created_at desc, tweet.id desc
  limit (select kept_entries + 1 from public.home_timeline_settings)
),
written as (
  insert into public.home_timeline (user_id, created_at, tweet_id, author_id)
  select %(reader)s, created_at, id, user_id from kept
  where rank <= (select kept_entries from public.home_timeline_settings)
)
insert into public.home_timeline_horizons (user_id, created_at, tweet_id)
select %(reader)s, created_at, id from kept
where rank = (select kept_entries from public.home_timeline_settings)
  and exists (select from kept as older where older.rank = kept.rank + 1)
"""


def create_users(connection: psycopg.Connection, count: int, prefix: str) -> list[str]:
    """Create `count` users with profiles named prefix1, prefix2, ...; returns their ids."""
    rows = connection.execute(CREATE_USERS, {"count": count, "prefix": prefix}).fetchall()
    return [str(row[0]) for row in rows]


def write_ahead(url: str, readers: list[str]) -> None:
    """Write (again) each reader's home timeline as the consumer would have, then VACUUM ANALYZE it."""
    with psycopg.connect(url) as connection:
        for reader in readers:
            connection.execute("delete from public.home_timeline where user_id = %s", (reader,))
            connection.execute("delete from public.home_timeline_horizons where user_id = %s", (reader,))
            connection.execute(WRITE_AHEAD, {"reader": reader})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze public.home_timeline, public.home_timeline_horizons")
