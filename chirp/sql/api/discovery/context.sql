-- Queries behind GET /tweets/{id}/context: a thread around a tweet, read as the caller (whatever
-- RLS hides from them is not walked through), each walk bounded however large the thread.

-- tweet_visible --
-- Whether the caller can read a tweet (the context of a tweet they cannot read is a 404).
select exists (select from public.tweets where id = %(tweet_id)s) as visible;

-- tweet_ancestors --
-- The tweets a tweet replies to, up its chain of reply_to_id, the nearest `limit` of them, oldest
-- first: one probe of the primary key per step.
with recursive chain as (
  select tweet.reply_to_id as id, 1 as depth
  from public.tweets as tweet where tweet.id = %(tweet_id)s
  union all
  select parent.reply_to_id, chain.depth + 1
  from chain
  join public.tweets as parent on parent.id = chain.id
  where chain.depth < %(limit)s
)
select card.* from chain
join public.tweet_cards as card on card.id = chain.id
order by chain.depth desc;

-- tweet_descendants --
-- The replies under a tweet in conversation order (each reply followed by its own replies, oldest
-- first among siblings), at most `limit`: the walk goes level by level, taking at most `limit`
-- replies of each tweet from one range of tweets_reply_to_id_created_at_idx, and stops as soon as
-- `limit` replies are found, so the nearest levels are shown first and a thread of any size costs
-- about `limit` index probes. `path` holds each step's rank among its siblings.
with recursive thread as (
  select reply.id, array[reply.rank] as path
  from (
    select id, row_number() over (order by created_at, id) as rank
    from public.tweets
    where reply_to_id = %(tweet_id)s
    order by created_at, id
    limit %(limit)s
  ) as reply
  union all
  select reply.id, thread.path || reply.rank
  from thread
  cross join lateral (
    select id, row_number() over (order by created_at, id) as rank
    from public.tweets
    where reply_to_id = thread.id
    order by created_at, id
    limit %(limit)s
  ) as reply
),
found as (
  select id, path from thread limit %(limit)s
)
select card.* from found
join public.tweet_cards as card on card.id = found.id
order by found.path;
