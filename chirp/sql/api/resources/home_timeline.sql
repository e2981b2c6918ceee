-- The home timeline read from the entries the consumer writes ahead (see
-- chirp/sql/consumer/home_timeline.sql). A page is the caller's timeline entries (tweets and
-- reposts of their followees), their own tweets and reposts (seen at once, before the consumer
-- catches up) and those of the pulled authors they follow, all at or after the caller's horizon
-- (from where on their home_timeline is complete); what lies before the horizon comes from
-- timeline_page (the merge over every followee). Rows are placed at `position_at` (a repost's
-- time, else the tweet's); a tweet may come more than once (api.resources.positions keeps one).

-- home_timeline_page --
-- One page at or after the caller's horizon, in one round trip: one range of their home_timeline
-- (entries whose tweet, follow and repost still exist), one of their own tweets and one of their
-- reposts, two per followed pulled author; merged. Every row carries the horizon; with no tweet,
-- one row of it alone.
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
    select entry.tweet_id as id, entry.created_at as position_at, entry.reposted_by
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
      and (entry.reposted_by is null or exists (
        select from public.reposts
        where reposts.user_id = entry.reposted_by and reposts.tweet_id = entry.tweet_id
          and reposts.created_at = entry.created_at
      ))
    order by entry.created_at desc, entry.tweet_id desc
    limit %(limit)s
  )
  union all
  (
    select id, created_at, null::uuid from public.tweets
    where user_id = %(user_id)s
      and (created_at, id) < (%(before_created_at)s, %(before_id)s)
      and (created_at, id) >= ((select created_at from horizon), (select tweet_id from horizon))
    order by created_at desc, id desc
    limit %(limit)s
  )
  union all
  (
    select tweet_id, created_at, user_id from public.reposts
    where user_id = %(user_id)s
      and (created_at, tweet_id) < (%(before_created_at)s, %(before_id)s)
      and (created_at, tweet_id) >= ((select created_at from horizon), (select tweet_id from horizon))
      and exists (select from public.tweets where tweets.id = reposts.tweet_id)
    order by created_at desc, tweet_id desc
    limit %(limit)s
  )
  union all
  select recent.id, recent.position_at, recent.reposted_by
  from public.timeline_pulled_authors as pulled
  cross join lateral (
    (
      select id, created_at as position_at, null::uuid as reposted_by from public.tweets
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
    )
    union all
    (
      select tweet_id, created_at, user_id from public.reposts
      where reposts.user_id = pulled.author_id
        and exists (
          select from public.follows
          where follows.follower_id = %(user_id)s and follows.followee_id = pulled.author_id
        )
        and (created_at, tweet_id) < (%(before_created_at)s, %(before_id)s)
        and (created_at, tweet_id) >= ((select created_at from horizon), (select tweet_id from horizon))
        and exists (select from public.tweets where tweets.id = reposts.tweet_id)
      order by created_at desc, tweet_id desc
      limit %(limit)s
    )
  ) as recent
),
newest as (
  -- A pulled author's tweets fanned out before they were pulled come twice: once each.
  select id, position_at, reposted_by from entries
  group by id, position_at, reposted_by
  order by position_at desc, id desc
  limit %(limit)s
),
page as (
  select card.*, newest.position_at,
         reposter.id as reposted_by_id, reposter.username as reposted_by_username,
         reposter.full_name as reposted_by_full_name, reposter.avatar_url as reposted_by_avatar_url
  from newest
  join public.tweet_cards as card on card.id = newest.id
  left join public.profiles as reposter on reposter.id = newest.reposted_by
)
-- (Python cannot hold '-infinity': the horizon's columns are null when there is none.)
select horizon.found as horizon_found,
       case when horizon.found then horizon.created_at end as horizon_created_at,
       case when horizon.found then horizon.tweet_id end as horizon_tweet_id, page.*
from horizon
left join page on true
order by page.position_at desc, page.id desc;
