-- Queries behind /tweets. A tweet row is a row of public.tweet_cards (the one tweet projection):
-- the tweet, its author, its counts, what the caller did, the tweet it quotes. Pages are keyset
-- pages: rows strictly before (before_created_at, before_id), newest first; the first page passes
-- ('infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff') so one plan serves all. Lists that show
-- reposts place each row at `position_at` (a repost's time, else the tweet's) and name the
-- reposter in `reposted_by_*`; the same tweet may come twice (api.resources.positions keeps one).

-- insert_tweet --
-- Create a tweet as the caller (RLS checks that user_id is auth.uid()) and return it whole, in one
-- statement: nobody has liked, reposted or bookmarked it yet; a quoted tweet is read as the caller.
with inserted as (
  insert into public.tweets (user_id, content, reply_to_id, quote_of_id)
  values (%(user_id)s, %(content)s, %(reply_to_id)s, %(quote_of_id)s)
  returning id, user_id, content, created_at, reply_to_id, quote_of_id
)
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id,
       p.username, p.full_name, p.avatar_url,
       0::bigint as like_count, t.quote_of_id, 0::bigint as reply_count, 0::bigint as repost_count,
       false as liked, false as reposted, false as bookmarked,
       q.id as quoted_id, q.user_id as quoted_user_id, q.content as quoted_content,
       q.created_at as quoted_created_at, q.reply_to_id as quoted_reply_to_id,
       q.username as quoted_username, q.full_name as quoted_full_name, q.avatar_url as quoted_avatar_url,
       q.like_count as quoted_like_count, q.reply_count as quoted_reply_count,
       q.repost_count as quoted_repost_count, q.liked as quoted_liked, q.reposted as quoted_reposted,
       q.bookmarked as quoted_bookmarked
from inserted as t
join public.profiles as p on p.id = t.user_id
left join public.tweet_cards as q on q.id = t.quote_of_id;

-- tweets_by_ids --
-- Tweets as the caller sees them, those of the given ids that still exist (GET /tweets/{id}, Idempotency-Key replays, the live streams).
select * from public.tweet_cards where id = any(%(ids)s::uuid[]);

-- tweet_exists --
-- Whether a tweet exists, to tell "not yours" (403) from "not there" (404).
select exists (select from public.tweets where id = %(tweet_id)s) as exists;

-- delete_tweet --
-- Delete a tweet; RLS lets only its author see it for deletion.
delete from public.tweets where id = %(tweet_id)s returning id;

-- all_tweets_page --
-- All tweets, newest first: one range of tweets_created_at_idx.
select * from public.tweet_cards
where (created_at, id) < (%(before_created_at)s, %(before_id)s)
order by created_at desc, id desc
limit %(limit)s;

-- user_tweets_page --
-- One user's tweets and reposts, newest first: one range of tweets_user_id_created_at_idx and one
-- of reposts_user_id_created_at_idx (reposts of tweets the caller can read), merged; none at once
-- (no scan) when the caller may not see that user (public.author_hidden: blocks, mutes, suspension).
with newest as (
  (
    select id, created_at as position_at, null::uuid as reposted_by from public.tweets
    where user_id = %(user_id)s and not public.author_hidden(%(user_id)s)
      and (created_at, id) < (%(before_created_at)s, %(before_id)s)
    order by created_at desc, id desc
    limit %(limit)s
  )
  union all
  (
    select tweet_id, created_at, user_id from public.reposts
    where user_id = %(user_id)s and not public.author_hidden(%(user_id)s)
      and (created_at, tweet_id) < (%(before_created_at)s, %(before_id)s)
      and exists (select from public.tweets where tweets.id = reposts.tweet_id)
    order by created_at desc, tweet_id desc
    limit %(limit)s
  )
  order by position_at desc, id desc
  limit %(limit)s
)
select card.*, newest.position_at,
       reposter.id as reposted_by_id, reposter.username as reposted_by_username,
       reposter.full_name as reposted_by_full_name, reposter.avatar_url as reposted_by_avatar_url
from newest
join public.tweet_cards as card on card.id = newest.id
left join public.profiles as reposter on reposter.id = newest.reposted_by
order by newest.position_at desc, newest.id desc;

-- timeline_page --
-- The caller's own tweets and reposts and those of everyone they follow: at most `limit` rows from
-- each author's two index ranges (LATERAL, index-only once vacuumed), merged, and only the page's
-- rows read from the table; the cost follows the number of followees, not the number of tweets.
with authors as (
  select %(user_id)s::uuid as user_id
  union
  select followee_id from public.follows where follower_id = %(user_id)s
),
newest as (
  select recent.id, recent.position_at, recent.reposted_by
  from authors
  cross join lateral (
    (
      select id, created_at as position_at, null::uuid as reposted_by from public.tweets
      where user_id = authors.user_id
        and (created_at, id) < (%(before_created_at)s, %(before_id)s)
      order by created_at desc, id desc
      limit %(limit)s
    )
    union all
    (
      select tweet_id, created_at, user_id from public.reposts
      where user_id = authors.user_id
        and (created_at, tweet_id) < (%(before_created_at)s, %(before_id)s)
        and exists (select from public.tweets where tweets.id = reposts.tweet_id)
      order by created_at desc, tweet_id desc
      limit %(limit)s
    )
  ) as recent
  order by recent.position_at desc, recent.id desc
  limit %(limit)s
)
select card.*, newest.position_at,
       reposter.id as reposted_by_id, reposter.username as reposted_by_username,
       reposter.full_name as reposted_by_full_name, reposter.avatar_url as reposted_by_avatar_url
from newest
join public.tweet_cards as card on card.id = newest.id
left join public.profiles as reposter on reposter.id = newest.reposted_by
order by newest.position_at desc, newest.id desc;

-- like_tweet --
-- Like a tweet as the caller, idempotently; returns the like, new or existing.
with inserted as (
  insert into public.likes (user_id, tweet_id) values (%(user_id)s, %(tweet_id)s)
  on conflict do nothing
  returning user_id, tweet_id, created_at
)
select user_id, tweet_id, created_at from inserted
union all
select user_id, tweet_id, created_at from public.likes
where user_id = %(user_id)s and tweet_id = %(tweet_id)s;

-- unlike_tweet --
-- Take back the caller's like, if any; returns the like taken back (a result, not a row count,
-- which a transaction in pipeline mode knows only once it is flushed).
delete from public.likes where user_id = %(user_id)s and tweet_id = %(tweet_id)s returning tweet_id;

-- claim_idempotency_key --
-- Take an Idempotency-Key for the caller: true when new or older than 24 hours, false while it holds
-- a tweet (a concurrent request with it waits until the first commits). Purges a few expired keys.
select public.claim_idempotency_key(%(key)s) as claimed;

-- remember_idempotent_tweet --
-- Record which of the caller's tweets a claimed key created.
select public.remember_idempotent_tweet(%(key)s, %(tweet_id)s);

-- idempotent_tweet --
-- The tweet the caller's key created within the last 24 hours (null when that tweet was deleted since).
select public.idempotent_tweet(%(key)s) as tweet_id;
