"""The data discovery_bench reads: tweets whose words, hashtags and threads have the same
selectivity at every size, what the consumer would have written beside them, a reader with marks,
and the projections the flags are compared with (see bench/discovery_bench.py)."""

from __future__ import annotations

import time

import psycopg

from bench.dataset import create_users, write_ahead
from chirp.migrator import migrate

# Authors per tweet count: people search over 1,000 and 100,000 profiles.
AUTHORS_PER_TWEET = 0.1
THREAD_REPLIES = 10_000
CHAIN_DEPTH = 1_000
READER_FOLLOWS = 50

# Words by selectivity (see the module's docstring), then a thousand filler words, and hashtags.
TWEETS = """
insert into public.tweets (user_id, content, created_at)
select (%(authors)s::uuid[])[1 + n %% cardinality(%(authors)s::uuid[])],
       concat_ws(' ', 'note', 'w' || (n * 7919 %% 1000), 'v' || (n * 104729 %% 5000),
                 case when n %% 1000 = 0 then 'zephyr' end,
                 case when n %% 5 = 0 then 'garden' end,
                 case when n %% 4 = 0 then 'Sunny' end,
                 '#tag' || (n %% 1000),
                 case when n %% 10 = 0 then '#Popular' end),
       now() - interval '1 second' * n - interval '1 hour'
from generate_series(1, %(count)s::bigint) as n
"""
# What the consumer would have written for these tweets: their hashtags, lower case.
HASHTAGS = """
insert into public.tweet_hashtags (tag, created_at, tweet_id)
select distinct lower(found.match[1]), t.created_at, t.id
from public.tweets as t
cross join lateral regexp_matches(t.content, '#([[:alnum:]_]+)', 'g') as found(match)
"""
THREAD = """
with root as (
  insert into public.tweets (user_id, content, created_at) values (%(author)s, 'thread root', now())
  returning id
)
insert into public.tweets (user_id, content, reply_to_id, created_at)
select %(author)s, 'reply ' || n, root.id, now() + n * interval '1 millisecond'
from root, generate_series(1, %(replies)s) as n
returning reply_to_id
"""
CHAIN_LINK = """
insert into public.tweets (user_id, content, reply_to_id) values (%(author)s, 'deeper', %(parent)s) returning id
"""
# The reader's marks: the newest tweets of the authors they follow (so that the flags' probes find
# rows on their timeline), and many more elsewhere (so that a plan reading all of a user's likes
# would show): 5,000 likes, 500 reposts, 1,000 bookmarks.
MARKS = """
with marked as (
  (select id from public.tweets where user_id = any(%(authors)s::uuid[]) order by created_at desc limit 40)
  union
  (select id from public.tweets order by created_at limit 4960)
)
, liked as (insert into public.likes (user_id, tweet_id) select %(reader)s, id from marked)
, reposted as (insert into public.reposts (user_id, tweet_id) select %(reader)s, id from marked limit 500)
insert into public.bookmarks (user_id, tweet_id) select %(reader)s, id from marked limit 1000
"""
# The same projection with constant flags (a copy of public.tweet_cards, quoted tweet included):
# what the flags cost is the difference.
CARDS_WITHOUT_FLAGS = """
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id, p.username, p.full_name, p.avatar_url,
       coalesce(c.like_count, 0) as like_count, t.quote_of_id,
       coalesce(c.reply_count, 0) as reply_count, coalesce(c.repost_count, 0) as repost_count,
       false as liked, false as reposted, false as bookmarked,
       q.id as quoted_id, q.user_id as quoted_user_id, q.content as quoted_content,
       q.created_at as quoted_created_at, q.reply_to_id as quoted_reply_to_id,
       qp.username as quoted_username, qp.full_name as quoted_full_name, qp.avatar_url as quoted_avatar_url,
       case when q.id is not null then coalesce(
         (select qc.like_count from public.tweet_counters as qc where qc.tweet_id = q.id), 0) else 0 end
         as quoted_like_count,
       case when q.id is not null then coalesce(
         (select qc.reply_count from public.tweet_counters as qc where qc.tweet_id = q.id), 0) else 0 end
         as quoted_reply_count,
       case when q.id is not null then coalesce(
         (select qc.repost_count from public.tweet_counters as qc where qc.tweet_id = q.id), 0) else 0 end
         as quoted_repost_count,
       case when q.id is not null then false end as quoted_liked,
       case when q.id is not null then false end as quoted_reposted,
       case when q.id is not null then false end as quoted_bookmarked
from public.tweets as t
join public.profiles as p on p.id = t.user_id
left join public.tweet_counters as c on c.tweet_id = t.id
left join (
  public.tweets as q
  join public.profiles as qp on qp.id = q.user_id
) on q.id = t.quote_of_id
"""
WITHOUT_FLAGS = """
create view public.bench_cards_without_flags with (security_invoker = true) as
""" + CARDS_WITHOUT_FLAGS + """;
grant select on public.bench_cards_without_flags to authenticated;
create view public.bench_cards_before with (security_invoker = true) as
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id, p.username, p.full_name, p.avatar_url,
       coalesce(c.like_count, 0) as like_count
from public.tweets as t
join public.profiles as p on p.id = t.user_id
left join public.tweet_counters as c on c.tweet_id = t.id;
grant select on public.bench_cards_before to authenticated;
"""


def load(url: str, tweets: int) -> dict:
    """Migrate and fill one database; returns what the queries need (ids, the reader)."""
    migrate(url)
    started = time.monotonic()
    with psycopg.connect(url) as connection:
        authors = create_users(connection, max(1_000, int(tweets * AUTHORS_PER_TWEET)), "user")
        reader = create_users(connection, 1, "reader")[0]
        connection.execute("set local session_replication_role = replica")
        connection.execute(TWEETS, {"authors": authors[:10_000], "count": tweets})
        connection.execute(HASHTAGS)
        root_replies = connection.execute(THREAD, {"author": authors[0], "replies": THREAD_REPLIES}).fetchall()
        parent = root_replies[0][0]
        root = parent
        for _ in range(CHAIN_DEPTH):
            parent = connection.execute(CHAIN_LINK, {"author": authors[1], "parent": parent}).fetchone()[0]
        followed = authors[:READER_FOLLOWS]
        connection.execute("insert into public.follows (follower_id, followee_id) "
                           "select %s, unnest(%s::uuid[])", (reader, followed))
        connection.execute(MARKS, {"reader": reader, "authors": followed})
        # The triggers that keep public.viewer_marks were off for these marks too.
        connection.execute("select public.rebuild_viewer_marks()")
        connection.execute(WITHOUT_FLAGS)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("vacuum analyze")
    write_ahead(url, [reader])
    print(f"(loaded {tweets:,} tweets and {len(authors):,} authors in {time.monotonic() - started:.0f} s)",
          flush=True)
    return {"root": root, "deepest": parent, "reader": reader}
