-- The home timeline read from the entries the consumer writes ahead (see
-- chirp/sql/consumer/home_timeline.sql). A page is the caller's timeline entries, their own tweets (seen
-- at once, before the consumer catches up) and the tweets of the pulled authors they follow, all
-- at or after the caller's horizon (from where on their home_timeline is complete); what lies
-- before the horizon comes from timeline_page (the merge over every followee).

-- home_timeline_page --
-- One page at or after the caller's horizon, in one round trip: one range of their home_timeline
-- (entries whose tweet and follow still exist), one of their own tweets, one per followed pulled
-- author; merged and deduplicated. Every row carries the horizon; with no tweet, one row of it alone.
with horizon as (
  select true as found, created_at, tweet_id
  from public.home_timeline_horizons where user_id = %(user_id)s
  union all
  -- No horizon row: the timeline is complete, every entry is after this.
  select false, '-infinity'::timestamptz, '00000000-0000-0000-0000-000000000000'::uuid
  order by found desc
  limit 1
),
entries as (
  (
    select entry.tweet_id as id, entry.created_at
    from public.home_timeline as entry
    where entry.user_id = %(user_id)s
      and (entry.created_at, entry.tweet_id) < (%(before_created_at)s, %(before_id)s)
      and (entry.created_at, entry.tweet_id)
          >= ((select created_at from horizon), (select tweet_id from horizon))
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
      and (created_at, id) >= ((select created_at from horizon), (select tweet_id from horizon))
    order by created_at desc, id desc
    limit %(limit)s
  )
  union all
  select recent.id, recent.created_at
  from public.timeline_pulled_authors as pulled
  cross join lateral (
    select id, created_at from public.tweets
    where tweets.user_id = pulled.author_id
      -- Per pulled author (few), one probe of follows' primary key: never a scan of follows.
      and exists (
        select from public.follows
        where follows.follower_id = %(user_id)s and follows.followee_id = pulled.author_id
      )
      and (created_at, id) < (%(before_created_at)s, %(before_id)s)
      and (created_at, id) >= ((select created_at from horizon), (select tweet_id from horizon))
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
),
page as (
  select card.* from newest
  join public.tweet_cards as card on card.id = newest.id
)
-- (Python cannot hold '-infinity': the horizon's columns are null when there is none.)
select horizon.found as horizon_found,
       case when horizon.found then horizon.created_at end as horizon_created_at,
       case when horizon.found then horizon.tweet_id end as horizon_tweet_id, page.*
from horizon
left join page on true
order by page.created_at desc, page.id desc;
