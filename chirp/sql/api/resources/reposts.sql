-- Queries behind /tweets/{id}/repost. A repost's insert enqueues `repost.created` (a trigger, in
-- the same transaction); the consumer counts it, notifies the author and fans it out.

-- repost_tweet --
-- Repost a tweet as the caller, idempotently; returns the repost, new or existing.
with inserted as (
  insert into public.reposts (user_id, tweet_id) values (%(user_id)s, %(tweet_id)s)
  on conflict do nothing
  returning user_id, tweet_id, created_at
)
select user_id, tweet_id, created_at from inserted
union all
select user_id, tweet_id, created_at from public.reposts
where user_id = %(user_id)s and tweet_id = %(tweet_id)s;

-- unrepost_tweet --
-- Take back the caller's repost, if any; returns what it took back (a result, not a row count,
-- which a transaction in pipeline mode knows only once it is flushed).
delete from public.reposts where user_id = %(user_id)s and tweet_id = %(tweet_id)s returning tweet_id;
