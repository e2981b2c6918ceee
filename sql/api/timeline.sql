-- The home timeline read from the entries the consumer writes ahead (see
-- sql/consumer/home_timeline.sql). A page is the caller's timeline entries, their own tweets (seen
-- at once, before the consumer catches up) and the tweets of the pulled authors they follow, all
-- at or after the caller's horizon; what lies before the horizon comes from timeline_page (the merge).

-- home_timeline_horizon --
-- From where on the caller's home_timeline is complete; no row when all of it is.
select created_at, tweet_id from public.home_timeline_horizons where user_id = %(user_id)s;

-- home_timeline_page --
-- One page at or after the horizon: one range of the caller's home_timeline (entries whose tweet
-- and follow still exist), one of their own tweets, one per followed pulled author; merged, deduplicated.
with entries as (
  (
    select entry.tweet_id as id, entry.created_at
    from public.home_timeline as entry
    where entry.user_id = %(user_id)s
      and (entry.created_at, entry.tweet_id) < (%(before_created_at)s, %(before_id)s)
      and (entry.created_at, entry.tweet_id) >= (%(horizon_created_at)s, %(horizon_id)s)
      -- The consumer takes these out too, a moment later: until then the page must not show them.
      and exists (select from public.tweets where tweets.id = entry.tweet_id)
      and exists (
        select from public.follows
        where follows.follower_id = entry.user_id and follows.followee_id = entry.author_id
      )
    order by entry.created_at desc, entry.tweet_id desc
    limit %(limit)s
  )
  union all
  (
    select id, created_at from public.tweets
    where user_id = %(user_id)s
      and (created_at, id) < (%(before_created_at)s, %(before_id)s)
      and (created_at, id) >= (%(horizon_created_at)s, %(horizon_id)s)
    order by created_at desc, id desc
    limit %(limit)s
  )
  union all
  select recent.id, recent.created_at
  from public.timeline_pulled_authors as pulled
  join public.follows as follow
    on follow.follower_id = %(user_id)s and follow.followee_id = pulled.author_id
  cross join lateral (
    select id, created_at from public.tweets
    where tweets.user_id = pulled.author_id
      and (created_at, id) < (%(before_created_at)s, %(before_id)s)
      and (created_at, id) >= (%(horizon_created_at)s, %(horizon_id)s)
    order by created_at desc, id desc
    limit %(limit)s
  ) as recent
),
newest as (
  -- A pulled author's tweets fanned out before they were pulled come twice: once each.
  select id, created_at from entries
  group by id, created_at
  order by created_at desc, id desc
  limit %(limit)s
)
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id,
       p.username, p.full_name, p.avatar_url,
       coalesce(c.like_count, 0) as like_count
from newest
join public.tweets as t on t.id = newest.id
join public.profiles as p on p.id = t.user_id
left join public.tweet_counters as c on c.tweet_id = t.id
order by t.created_at desc, t.id desc;
