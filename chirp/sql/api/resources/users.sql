-- Queries behind /users and /me. Counters are the consumer's; a user it has not counted yet has 0.

-- profile --
-- A profile with its counters and the caller's relation to it (false for anon), by `user_id` or
-- by `username` ignoring case (the other one null): the primary key or profiles_username_unique,
-- a probe of follows' primary key each way, and whether the caller blocks or mutes that user.
select p.id, p.username, p.full_name, p.avatar_url, p.created_at, p.updated_at,
       coalesce(c.tweet_count, 0) as tweet_count,
       coalesce(c.follower_count, 0) as follower_count,
       coalesce(c.following_count, 0) as following_count,
       exists (select from public.follows as f
               where f.follower_id = (select auth.uid()) and f.followee_id = p.id) as following,
       exists (select from public.follows as f
               where f.follower_id = p.id and f.followee_id = (select auth.uid())) as followed_by,
       public.caller_blocks(p.id) as blocking,
       public.caller_mutes(p.id) as muting
from public.profiles as p
left join public.profile_counters as c on c.user_id = p.id
where p.id = %(user_id)s or lower(p.username) = lower(%(username)s);

-- user_id_by_username --
-- The id behind a username, ignoring case.
select id from public.profiles where lower(username) = lower(%(username)s);

-- upsert_profile --
-- Create or replace the caller's profile (PUT semantics: omitted fields become null); returns its id,
-- which the view fetches so that a taken username is refused there (in pipeline mode) and said so.
insert into public.profiles (id, username, full_name, avatar_url)
values (%(user_id)s, %(username)s, %(full_name)s, %(avatar_url)s)
on conflict (id) do update
  set username = excluded.username, full_name = excluded.full_name,
      avatar_url = excluded.avatar_url, updated_at = now()
returning id;

-- follow --
-- Follow a user as the caller, idempotently; returns the follow, new or existing.
with inserted as (
  insert into public.follows (follower_id, followee_id) values (%(follower_id)s, %(followee_id)s)
  on conflict do nothing
  returning follower_id, followee_id, created_at
)
select follower_id, followee_id, created_at from inserted
union all
select follower_id, followee_id, created_at from public.follows
where follower_id = %(follower_id)s and followee_id = %(followee_id)s;

-- unfollow --
-- Stop following a user, if the caller did.
delete from public.follows where follower_id = %(follower_id)s and followee_id = %(followee_id)s;
