-- Every statement joins the batch's rows (unnest of one array per column) to the rows they depend
-- on. psycopg prepares them, and their generic plans look ids up by index in large tables, where
-- a custom plan may hash a whole table. Rows are written in key order, so that two consumers
-- writing the same keys (a like, an unlike and a like again) wait for one another, not deadlock.
-- The arrays go in binary (`%(name)b`): psycopg's text form checks every element for quoting,
-- which made a quarter of the consumer's own CPU time (3.7 against 2.7 s per 50,000 events).

-- Notifications are never written across a block (either way) nor from an actor the recipient
-- mutes: each statement below skips such pairs with two probes of blocks' keys and one of mutes'.

-- insert_mention_notifications --
-- Notify each mentioned existing user (matched ignoring case) of a tweet that still exists, never its author (nor across a block or a mute).
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select profile.id, 'mention', mention.actor_id, mention.tweet_id
from unnest(%(tweet_ids)b::uuid[], %(actor_ids)b::uuid[], %(usernames)b::text[])
  as mention(tweet_id, actor_id, username)
join public.profiles as profile on lower(profile.username) = lower(mention.username)
where profile.id <> mention.actor_id
  -- The tweet's author (the actor) exists while the tweet does: deleting a profile deletes its tweets.
  and exists (select from public.tweets where tweets.id = mention.tweet_id)
  and not exists (select from public.blocks where blocker_id = profile.id and blocked_id = mention.actor_id)
  and not exists (select from public.blocks where blocker_id = mention.actor_id and blocked_id = profile.id)
  and not exists (select from public.mutes where muter_id = profile.id and muted_id = mention.actor_id)
order by profile.id, mention.actor_id, mention.tweet_id
on conflict do nothing;

-- insert_reply_notifications --
-- Notify the author of the replied-to tweet of a reply that still exists, unless they replied to themselves.
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select parent.user_id, 'reply', reply.actor_id, reply.tweet_id
from unnest(%(tweet_ids)b::uuid[], %(actor_ids)b::uuid[], %(parent_ids)b::uuid[])
  as reply(tweet_id, actor_id, parent_id)
join public.tweets as parent on parent.id = reply.parent_id
where parent.user_id <> reply.actor_id
  -- As for mentions, the reply's existence implies its author's.
  and exists (select from public.tweets where tweets.id = reply.tweet_id)
  and not exists (select from public.blocks where blocker_id = parent.user_id and blocked_id = reply.actor_id)
  and not exists (select from public.blocks where blocker_id = reply.actor_id and blocked_id = parent.user_id)
  and not exists (select from public.mutes where muter_id = parent.user_id and muted_id = reply.actor_id)
order by parent.user_id, reply.actor_id, reply.tweet_id
on conflict do nothing;

-- insert_like_notifications --
-- Notify the author of a liked tweet that still exists, unless they liked their own.
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select tweet.user_id, 'like', liked.actor_id, liked.tweet_id
from unnest(%(tweet_ids)b::uuid[], %(actor_ids)b::uuid[]) as liked(tweet_id, actor_id)
join public.tweets as tweet on tweet.id = liked.tweet_id
where tweet.user_id <> liked.actor_id
  and exists (select from public.profiles where profiles.id = liked.actor_id)
  and not exists (select from public.blocks where blocker_id = tweet.user_id and blocked_id = liked.actor_id)
  and not exists (select from public.blocks where blocker_id = liked.actor_id and blocked_id = tweet.user_id)
  and not exists (select from public.mutes where muter_id = tweet.user_id and muted_id = liked.actor_id)
order by tweet.user_id, liked.actor_id, liked.tweet_id
on conflict do nothing;

-- insert_repost_notifications --
-- Notify the author of a reposted tweet while the repost stands, unless they reposted their own.
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select tweet.user_id, 'repost', reposted.actor_id, reposted.tweet_id
from unnest(%(tweet_ids)b::uuid[], %(actor_ids)b::uuid[]) as reposted(tweet_id, actor_id)
join public.tweets as tweet on tweet.id = reposted.tweet_id
where tweet.user_id <> reposted.actor_id
  and exists (
    select from public.reposts
    where reposts.user_id = reposted.actor_id and reposts.tweet_id = reposted.tweet_id
  )
order by tweet.user_id, reposted.actor_id, reposted.tweet_id
on conflict do nothing;

-- insert_quote_notifications --
-- Notify the author of a quoted tweet of a quote that still exists (tweet_id: the quote), unless they quoted themselves.
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select quoted.user_id, 'quote', quote.actor_id, quote.tweet_id
from unnest(%(tweet_ids)b::uuid[], %(actor_ids)b::uuid[], %(quoted_ids)b::uuid[])
  as quote(tweet_id, actor_id, quoted_id)
join public.tweets as quoted on quoted.id = quote.quoted_id
where quoted.user_id <> quote.actor_id
  and exists (select from public.tweets where tweets.id = quote.tweet_id)
order by quoted.user_id, quote.actor_id, quote.tweet_id
on conflict do nothing;

-- insert_follow_notifications --
-- Notify the followed user, when both users still exist; a re-follow adds nothing (one per pair).
insert into public.notifications (recipient_id, type, actor_id, tweet_id)
select followed.followee_id, 'follow', followed.follower_id, null
from unnest(%(follower_ids)b::uuid[], %(followee_ids)b::uuid[]) as followed(follower_id, followee_id)
where followed.follower_id <> followed.followee_id
  and exists (select from public.profiles where profiles.id = followed.followee_id)
  and exists (select from public.profiles where profiles.id = followed.follower_id)
  and not exists (select from public.blocks where blocker_id = followed.followee_id and blocked_id = followed.follower_id)
  and not exists (select from public.blocks where blocker_id = followed.follower_id and blocked_id = followed.followee_id)
  and not exists (select from public.mutes where muter_id = followed.followee_id and muted_id = followed.follower_id)
order by followed.followee_id, followed.follower_id
on conflict do nothing;

-- add_profile_counts --
-- Add tweet, follower and following deltas to existing profiles' counters, in user id order (no deadlocks).
insert into public.profile_counters as counter (user_id, tweet_count, follower_count, following_count)
select delta.user_id, delta.tweets, delta.followers, delta.following
from unnest(%(user_ids)b::uuid[], %(tweet_deltas)b::bigint[], %(follower_deltas)b::bigint[],
            %(following_deltas)b::bigint[]) as delta(user_id, tweets, followers, following)
where exists (select from public.profiles where profiles.id = delta.user_id)
order by delta.user_id
on conflict (user_id) do update
set tweet_count = counter.tweet_count + excluded.tweet_count,
    follower_count = counter.follower_count + excluded.follower_count,
    following_count = counter.following_count + excluded.following_count;

-- add_tweet_counts --
-- Add like, reply and repost deltas to existing tweets' counters, in tweet id order (no deadlocks).
insert into public.tweet_counters as counter (tweet_id, like_count, reply_count, repost_count)
select delta.tweet_id, delta.likes, delta.replies, delta.reposts
from unnest(%(tweet_ids)b::uuid[], %(like_deltas)b::bigint[], %(reply_deltas)b::bigint[],
            %(repost_deltas)b::bigint[]) as delta(tweet_id, likes, replies, reposts)
where exists (select from public.tweets where tweets.id = delta.tweet_id)
order by delta.tweet_id
on conflict (tweet_id) do update
set like_count = counter.like_count + excluded.like_count,
    reply_count = counter.reply_count + excluded.reply_count,
    repost_count = counter.repost_count + excluded.repost_count;

-- add_hashtag_counts --
-- Add each tweet's distinct lower-case hashtags to the hour it was created in (+1 created, -1 deleted).
insert into public.hashtag_hourly_counts as counted (hour, tag, count)
select hour, tag, sum(delta)
from (
  select distinct tagged.tweet_id, date_trunc('hour', tagged.created_at) as hour,
         lower(tagged.tag) as tag, tagged.delta
  from unnest(%(tweet_ids)b::uuid[], %(created_ats)b::timestamptz[], %(tags)b::text[],
              %(deltas)b::bigint[]) as tagged(tweet_id, created_at, tag, delta)
) as distinct_tags
group by hour, tag
order by hour, tag
on conflict (hour, tag) do update
set count = counted.count + excluded.count;

-- insert_tweet_hashtags --
-- Record which lower-case hashtags each new tweet that still exists carries (GET /hashtags/{tag}/tweets).
insert into public.tweet_hashtags (tag, created_at, tweet_id)
select distinct lower(tagged.tag), tagged.created_at, tagged.tweet_id
from unnest(%(tags)b::text[], %(created_ats)b::timestamptz[], %(tweet_ids)b::uuid[])
  as tagged(tag, created_at, tweet_id)
where exists (select from public.tweets where tweets.id = tagged.tweet_id)
order by 1, 2, 3
on conflict do nothing;

-- delete_tweet_hashtags --
-- Forget the hashtags of deleted tweets, by primary key (the event carries content and created_at).
delete from public.tweet_hashtags as tagged
using unnest(%(tags)b::text[], %(created_ats)b::timestamptz[], %(tweet_ids)b::uuid[])
  as gone(tag, created_at, tweet_id)
where tagged.tag = lower(gone.tag) and tagged.created_at = gone.created_at
  and tagged.tweet_id = gone.tweet_id;

-- insert_live_events --
-- Append the batch's tweets, reposts, deletions, follows, blocks, mutes and suspensions (and their undoing) for the live streams, in event order (a tweet or a repost only while it exists).
insert into public.live_events (kind, user_id, tweet_id, followee_id, target_id)
select live.kind, live.user_id, live.tweet_id, live.followee_id, live.target_id
from unnest(%(kinds)b::text[], %(user_ids)b::uuid[], %(tweet_ids)b::uuid[], %(followee_ids)b::uuid[],
            %(target_ids)b::uuid[])
  with ordinality as live(kind, user_id, tweet_id, followee_id, target_id, position)
where case live.kind
        when 'tweet' then exists (select from public.tweets where tweets.id = live.tweet_id)
        when 'repost' then exists (
          select from public.reposts where reposts.user_id = live.user_id and reposts.tweet_id = live.tweet_id)
        else true
      end
order by live.position;

-- purge_live_events --
-- Forget live events older than the replay window, oldest first and a bounded number at a time.
delete from public.live_events
where id in (
  select id from public.live_events
  where created_at < now() - make_interval(secs => %(keep_seconds)s::integer)
  order by id
  limit %(limit)s::integer
);
