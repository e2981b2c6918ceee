-- Queries behind /users/{username}/block, /users/{username}/mute, /me/blocks and /me/mutes. They run
-- as the caller: RLS lets a user make, read and undo only their own blocks and mutes. What a block
-- or a mute hides, and what a block ends, the database does (migrations/*_safety_*.sql).

-- block_user --
-- Block a user as the caller, idempotently (the block's trigger ends their follows); returns the block, new or existing.
with inserted as (
  insert into public.blocks (blocker_id, blocked_id) values (%(user_id)s, %(other_id)s)
  on conflict do nothing
  returning created_at
)
select created_at from inserted
union all
select created_at from public.blocks where blocker_id = %(user_id)s and blocked_id = %(other_id)s;

-- unblock_user --
-- Take back the caller's block of a user, if any.
delete from public.blocks where blocker_id = %(user_id)s and blocked_id = %(other_id)s;

-- mute_user --
-- Mute a user as the caller, idempotently; returns the mute, new or existing.
with inserted as (
  insert into public.mutes (muter_id, muted_id) values (%(user_id)s, %(other_id)s)
  on conflict do nothing
  returning created_at
)
select created_at from inserted
union all
select created_at from public.mutes where muter_id = %(user_id)s and muted_id = %(other_id)s;

-- unmute_user --
-- Take back the caller's mute of a user, if any.
delete from public.mutes where muter_id = %(user_id)s and muted_id = %(other_id)s;

-- blocked_profiles_page --
-- The profiles the caller blocks, the newest block first (blocks_blocker_created_at_idx); `created_at` is the block's, for the cursor.
select block.created_at, p.id, p.username, p.full_name, p.avatar_url,
       p.created_at as profile_created_at, p.updated_at,
       coalesce(c.tweet_count, 0) as tweet_count,
       coalesce(c.follower_count, 0) as follower_count,
       coalesce(c.following_count, 0) as following_count,
       true as blocking,
       exists (select from public.mutes where muter_id = block.blocker_id and muted_id = p.id) as muting
from public.blocks as block
join public.profiles as p on p.id = block.blocked_id
left join public.profile_counters as c on c.user_id = p.id
where block.blocker_id = %(user_id)s
  and (block.created_at, block.blocked_id) < (%(before_created_at)s, %(before_id)s)
order by block.created_at desc, block.blocked_id desc
limit %(limit)s;

-- muted_profiles_page --
-- The profiles the caller mutes, the newest mute first (mutes_muter_created_at_idx); `created_at` is the mute's, for the cursor.
select mute.created_at, p.id, p.username, p.full_name, p.avatar_url,
       p.created_at as profile_created_at, p.updated_at,
       coalesce(c.tweet_count, 0) as tweet_count,
       coalesce(c.follower_count, 0) as follower_count,
       coalesce(c.following_count, 0) as following_count,
       exists (select from public.blocks where blocker_id = mute.muter_id and blocked_id = p.id) as blocking,
       true as muting
from public.mutes as mute
join public.profiles as p on p.id = mute.muted_id
left join public.profile_counters as c on c.user_id = p.id
where mute.muter_id = %(user_id)s
  and (mute.created_at, mute.muted_id) < (%(before_created_at)s, %(before_id)s)
order by mute.created_at desc, mute.muted_id desc
limit %(limit)s;
