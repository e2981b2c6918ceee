-- What blocks, mutes and suspensions hide, held by RLS, so that every reader of the tables (this
-- API, which reads as its caller through public.tweet_cards; PostgREST; psql as `authenticated` or
-- `anon`) sees the same:
--
-- - the tweets of suspended users, from everyone;
-- - for a signed-in reader, the tweets of users they block, who block them, or whom they mute;
-- - notifications whose actor is such a user (blocks and mutes are kept, so past ones are hidden).
--
-- Cost. Every row a reader's scan meets is checked with index probes whose depth does not depend
-- on how many users the reader blocks or mutes: the reader's own blocks and mutes (their primary
-- keys; RLS lets them read those), the suspended users (a partial index, tiny), and a hash of the
-- users who block the reader, built once per statement. The probes are written `offset 0` because
-- otherwise the planner may hash the reader's whole block and mute lists once per statement and
-- table reference instead: faster for a reader with few, and for one with thousands a cost on
-- every page (bench/timeline_bench.py measures both readers).
--
-- A block is private to its owner, yet it must hide the blocker's tweets from the blocked: who
-- blocks the caller is read by `public.blockers_of_caller()`, SECURITY DEFINER, which answers only
-- about its caller (`auth.uid()`). It tells the blocked no more than reading tweets as anon and as
-- themselves, or being refused a follow (403, "@... blocks you"), already does.

create function public.blockers_of_caller() returns setof uuid
language plpgsql stable security definer set search_path = ''
rows 10
as $$
begin
  return query select blocker_id from public.blocks where blocked_id = auth.uid();
end
$$;
comment on function public.blockers_of_caller() is
  'The users who block the caller (auth.uid()): the RLS policies of tweets and notifications hide theirs.';
revoke execute on function public.blockers_of_caller() from public, anon;
grant execute on function public.blockers_of_caller() to authenticated;

-- Whether the caller may not see `author`'s tweets: for a list that is one author's (a user's
-- page), so that a hidden author's page is refused at once, not scanned tweet by tweet.
create function public.author_hidden(author uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return exists (select from public.profiles where id = author and suspended_at is not null)
      or exists (select from public.blocks
                 where (blocker_id = auth.uid() and blocked_id = author)
                    or (blocker_id = author and blocked_id = auth.uid()))
      or exists (select from public.mutes where muter_id = auth.uid() and muted_id = author);
end
$$;
comment on function public.author_hidden(uuid) is
  'Whether the caller (auth.uid(), or anon) may not see this user''s tweets: suspended, or across a block or a mute.';
revoke execute on function public.author_hidden(uuid) from public;
grant execute on function public.author_hidden(uuid) to anon, authenticated;

-- The profile flags `blocking` and `muting` of GET /users/{username}: whether the caller blocks or
-- mutes that user. Functions, because the profile query runs as anon too, who may not read blocks
-- or mutes (these answer false for anon, and only about the caller's own blocks and mutes).
create function public.caller_blocks(other uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return exists (select from public.blocks where blocker_id = auth.uid() and blocked_id = other);
end
$$;
create function public.caller_mutes(other uuid) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return exists (select from public.mutes where muter_id = auth.uid() and muted_id = other);
end
$$;
revoke execute on function public.caller_blocks(uuid), public.caller_mutes(uuid) from public;
grant execute on function public.caller_blocks(uuid), public.caller_mutes(uuid) to anon, authenticated;

-- Tweets: anon sees all but the suspended users'; a signed-in reader, also none across a block or
-- a mute. (The policy for anon reads no blocks or mutes: anon may not read those tables.)
alter policy "Anyone can read tweets" on public.tweets rename to "Users read the tweets they may see";
alter policy "Users read the tweets they may see" on public.tweets
  to authenticated
  using (
    not exists (select from public.profiles
                where profiles.id = tweets.user_id and profiles.suspended_at is not null offset 0)
    and not exists (select from public.blocks
                    where blocks.blocker_id = (select auth.uid()) and blocks.blocked_id = tweets.user_id
                    offset 0)
    and not exists (select from public.mutes
                    where mutes.muter_id = (select auth.uid()) and mutes.muted_id = tweets.user_id offset 0)
    and tweets.user_id not in (select public.blockers_of_caller())
  );
create policy "Anyone can read tweets of accounts not suspended" on public.tweets
  for select to anon
  using (not exists (select from public.profiles
                     where profiles.id = tweets.user_id and profiles.suspended_at is not null offset 0));

-- Notifications: the recipient's own, but none whose actor the recipient may not see.
alter policy "Users read their own notifications" on public.notifications
  using (
    (select auth.uid()) = recipient_id
    and not exists (select from public.profiles
                    where profiles.id = notifications.actor_id and profiles.suspended_at is not null offset 0)
    and not exists (select from public.blocks
                    where blocks.blocker_id = (select auth.uid()) and blocks.blocked_id = notifications.actor_id
                    offset 0)
    and not exists (select from public.mutes
                    where mutes.muter_id = (select auth.uid()) and mutes.muted_id = notifications.actor_id
                    offset 0)
    and notifications.actor_id not in (select public.blockers_of_caller())
  );
