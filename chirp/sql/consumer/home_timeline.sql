-- The consumer's home timeline statements (fan-out on write), one per kind, set-based over a batch.
-- An entry is a followee's tweet, at the tweet's time, or a followee's repost, at the repost's time
-- with `reposted_by`; `author_id` is that followee in both cases.
-- Each reconciles the timelines with the tables as they are now, not with the event alone, so the
-- order in which events arrive does not matter: an entry is written only for a tweet and a follow
-- that still exist, and taken out only when its tweet or follow no longer exists. Inserts go in
-- key order (two consumers wait for one another instead of deadlocking), conflicts do nothing.

-- fan_out_tweets --
-- Copy each new tweet that still exists into the timelines of its author's followers who do not mute them, unless the author is pulled.
-- (No follow crosses a block: a block ends them, and a follow across one is refused.)
insert into public.home_timeline (user_id, created_at, tweet_id, author_id)
select follow.follower_id, tweet.created_at, tweet.id, tweet.user_id
from unnest(%(tweet_ids)b::uuid[]) as created(tweet_id)
join public.tweets as tweet on tweet.id = created.tweet_id
join public.follows as follow on follow.followee_id = tweet.user_id
where not exists (
  select from public.timeline_pulled_authors as pulled where pulled.author_id = tweet.user_id
)
  and not exists (
    select from public.mutes where mutes.muter_id = follow.follower_id and mutes.muted_id = tweet.user_id
  )
order by follow.follower_id, tweet.created_at, tweet.id
on conflict do nothing;

-- fan_out_reposts --
-- Copy each new repost that still stands into the timelines of the reposter's followers, placed at
-- the repost's time and naming the reposter (also the entry's author_id: an unfollow of the
-- reposter takes it out), unless the reposter is pulled.
insert into public.home_timeline (user_id, created_at, tweet_id, author_id, reposted_by)
select follow.follower_id, repost.created_at, repost.tweet_id, repost.user_id, repost.user_id
from unnest(%(user_ids)b::uuid[], %(tweet_ids)b::uuid[]) as created(user_id, tweet_id)
join public.reposts as repost on repost.user_id = created.user_id and repost.tweet_id = created.tweet_id
join public.follows as follow on follow.followee_id = repost.user_id
where not exists (
  select from public.timeline_pulled_authors as pulled where pulled.author_id = repost.user_id
)
order by follow.follower_id, repost.created_at, repost.tweet_id
on conflict do nothing;

-- remove_unreposted --
-- Take undone reposts out of every timeline: entries of that reposter and tweet unless the very
-- repost they were made for (same time) stands again.
delete from public.home_timeline as entry
using unnest(%(user_ids)b::uuid[], %(tweet_ids)b::uuid[]) as undone(user_id, tweet_id)
where entry.tweet_id = undone.tweet_id
  and entry.reposted_by = undone.user_id
  and not exists (
    select from public.reposts
    where reposts.user_id = undone.user_id and reposts.tweet_id = undone.tweet_id
      and reposts.created_at = entry.created_at
  );

-- remove_deleted_tweets --
-- Take deleted tweets out of every timeline (a tweet posted again under the same id cannot exist).
delete from public.home_timeline as entry
where entry.tweet_id = any(%(tweet_ids)b::uuid[])
  and not exists (select from public.tweets where tweets.id = entry.tweet_id);

-- backfill_follows --
-- Copy the newest backfill_entries tweets and reposts of each still-followed, non-pulled, unmuted
-- followee into the follower's timeline (after a follow, or an unmute); where the followee has older
-- ones, the follower's timeline is complete only from the oldest one copied: raise the horizon there
-- (it only ever rises, so order does not matter).
with settings as (
  select backfill_entries from public.home_timeline_settings
),
followed as (
  select distinct pair.follower_id, pair.followee_id
  from unnest(%(follower_ids)b::uuid[], %(followee_ids)b::uuid[]) as pair(follower_id, followee_id)
  join public.follows as follow
    on follow.follower_id = pair.follower_id and follow.followee_id = pair.followee_id
  where not exists (
    select from public.timeline_pulled_authors as pulled where pulled.author_id = pair.followee_id
  )
    and not exists (
      select from public.mutes where mutes.muter_id = pair.follower_id and mutes.muted_id = pair.followee_id
    )
),
recent as (
  select followed.follower_id, followed.followee_id, entry.id, entry.created_at, entry.reposted_by,
         row_number() over (partition by followed.follower_id, followed.followee_id
                            order by entry.created_at desc, entry.id desc) as rank
  from followed
  cross join lateral (
    (
      select id, created_at, null::uuid as reposted_by from public.tweets
      where tweets.user_id = followed.followee_id
      order by created_at desc, id desc
      limit (select backfill_entries + 1 from settings)
    )
    union all
    (
      select tweet_id, created_at, user_id from public.reposts
      where reposts.user_id = followed.followee_id
      order by created_at desc, tweet_id desc
      limit (select backfill_entries + 1 from settings)
    )
  ) as entry
),
copied as (
  insert into public.home_timeline (user_id, created_at, tweet_id, author_id, reposted_by)
  select follower_id, created_at, id, followee_id, reposted_by from recent
  where rank <= (select backfill_entries from settings)
  order by follower_id, created_at, id
  on conflict do nothing
)
insert into public.home_timeline_horizons as horizon (user_id, created_at, tweet_id)
select distinct on (oldest.follower_id) oldest.follower_id, oldest.created_at, oldest.id
from recent as oldest
where oldest.rank = (select backfill_entries from settings)
  and exists (
    select from recent as older
    where older.follower_id = oldest.follower_id and older.followee_id = oldest.followee_id
      and older.rank = oldest.rank + 1
  )
order by oldest.follower_id, oldest.created_at desc, oldest.id desc
on conflict (user_id) do update
set created_at = excluded.created_at, tweet_id = excluded.tweet_id
where (horizon.created_at, horizon.tweet_id) < (excluded.created_at, excluded.tweet_id);

-- remove_unfollowed --
-- Take an unfollowed author's entries (their tweets and reposts) out of the follower's timeline, unless they follow again by now.
delete from public.home_timeline as entry
using unnest(%(follower_ids)b::uuid[], %(followee_ids)b::uuid[]) as pair(follower_id, followee_id)
where entry.user_id = pair.follower_id
  and entry.author_id = pair.followee_id
  and not exists (
    select from public.follows
    where follows.follower_id = pair.follower_id and follows.followee_id = pair.followee_id
  );

-- remove_blocked_and_muted --
-- Take an author's entries out of a reader's timeline while a block (either way) or the reader's mute stands between them.
delete from public.home_timeline as entry
using unnest(%(follower_ids)b::uuid[], %(followee_ids)b::uuid[]) as pair(follower_id, followee_id)
where entry.user_id = pair.follower_id
  and entry.author_id = pair.followee_id
  and (
    exists (select from public.blocks
            where (blocks.blocker_id = pair.follower_id and blocks.blocked_id = pair.followee_id)
               or (blocks.blocker_id = pair.followee_id and blocks.blocked_id = pair.follower_id))
    or exists (select from public.mutes
               where mutes.muter_id = pair.follower_id and mutes.muted_id = pair.followee_id)
  );

-- pull_popular_authors --
-- Stop fanning out authors whose followers, counted and gained in this batch, pass fanout_follower_limit (for good).
insert into public.timeline_pulled_authors (author_id)
select gained.user_id
from unnest(%(user_ids)b::uuid[], %(gains)b::bigint[]) as gained(user_id, followers)
left join public.profile_counters as counter on counter.user_id = gained.user_id
where coalesce(counter.follower_count, 0) + gained.followers
      > (select fanout_follower_limit from public.home_timeline_settings)
  and exists (select from public.profiles where profiles.id = gained.user_id)
order by gained.user_id
on conflict do nothing;

-- trim_timelines --
-- Keep the newest kept_entries entries of some timelines this batch wrote to (at most
-- trimmed_timelines_per_batch, drawn by entries written: a timeline that grows fast is trimmed
-- often), and raise each trimmed timeline's horizon to its oldest kept entry.
with settings as (
  select kept_entries, trimmed_timelines_per_batch from public.home_timeline_settings
),
touched as (
  -- One row per entry written, so a timeline that got many is more likely drawn.
  select distinct user_id from (
    select written.user_id from (
      select follow.follower_id as user_id
      from public.follows as follow
      where follow.followee_id = any(%(author_ids)b::uuid[])
        and not exists (
          select from public.timeline_pulled_authors as pulled where pulled.author_id = follow.followee_id
        )
      union all
      select unnest(%(follower_ids)b::uuid[])
    ) as written
    order by random()
    limit (select trimmed_timelines_per_batch from settings)
  ) as drawn
),
oldest_kept as (
  select touched.user_id, kept.created_at, kept.tweet_id
  from touched
  cross join lateral (
    select created_at, tweet_id from public.home_timeline as entry
    where entry.user_id = touched.user_id
    order by created_at desc, tweet_id desc
    offset (select kept_entries - 1 from settings)
    limit 1
  ) as kept
),
trimmed as (
  delete from public.home_timeline as entry
  using oldest_kept
  where entry.user_id = oldest_kept.user_id
    and (entry.created_at, entry.tweet_id) < (oldest_kept.created_at, oldest_kept.tweet_id)
  returning entry.user_id
)
insert into public.home_timeline_horizons as horizon (user_id, created_at, tweet_id)
select user_id, created_at, tweet_id from oldest_kept
where exists (select from trimmed where trimmed.user_id = oldest_kept.user_id)
order by user_id
on conflict (user_id) do update
set created_at = excluded.created_at, tweet_id = excluded.tweet_id
where (horizon.created_at, horizon.tweet_id) < (excluded.created_at, excluded.tweet_id);
