-- What blocks and suspensions refuse, held by triggers, for every writer (this API, PostgREST, psql):
--
-- - across a block, in either direction: a follow, a like, a repost, a reply or a quote;
-- - a block ends the follows between its two users, both ways, at once;
-- - a suspended `authenticated` user changes nothing (the database owner and service_role may).
--
-- Refusals raise SQLSTATE PT403 with a message that says why: PostgREST answers it with HTTP 403,
-- and the API with its own 403 and that message as the problem's detail.
--
-- No follow, like or reply may slip past a block committed at the same moment: the check and the
-- block's clean-up both take a transaction-level advisory lock on the pair of users first, then
-- read with a fresh snapshot (READ COMMITTED, volatile functions), so whichever commits second sees
-- the other. Different pairs never wait for each other.

-- Serialise the writes that concern one pair of users, in either order, until the transaction ends.
create function public.lock_user_pair(first_user uuid, second_user uuid) returns void
language sql volatile security definer set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtext(least(first_user, second_user)::text),
                               hashtext(greatest(first_user, second_user)::text))
$$;
revoke execute on function public.lock_user_pair(uuid, uuid) from public, anon, authenticated;

-- Raise PT403 when `actor` and `other` are on either side of a block; `action` completes the
-- message ("like their tweets").
create function public.refuse_if_blocked(actor uuid, other uuid, action text) returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  other_name text;
begin
  if actor is null or other is null or actor = other then
    return;
  end if;
  perform public.lock_user_pair(actor, other);
  if exists (select from public.blocks where blocker_id = actor and blocked_id = other) then
    select username into other_name from public.profiles where id = other;
    raise exception 'you block @%: unblock them to %', other_name, action using errcode = 'PT403';
  end if;
  if exists (select from public.blocks where blocker_id = other and blocked_id = actor) then
    select username into other_name from public.profiles where id = other;
    raise exception '@% blocks you: you cannot %', other_name, action using errcode = 'PT403';
  end if;
end
$$;
revoke execute on function public.refuse_if_blocked(uuid, uuid, text) from public, anon, authenticated;

-- BEFORE INSERT on follows, likes, tweets (replies and quotes) and reposts. Likes and reposts are
-- read as JSON (user_id, tweet_id), and a tweet's `quote_of_id` too, so that this one function
-- serves tables and columns that later migrations add.
create function public.refuse_across_block() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  fields jsonb;
  other uuid;
begin
  if tg_table_name = 'follows' then
    perform public.refuse_if_blocked(new.follower_id, new.followee_id, 'follow them');
    return new;
  end if;
  fields := to_jsonb(new);
  if tg_table_name = 'tweets' then
    if new.reply_to_id is null and fields ->> 'quote_of_id' is null then
      return new;  -- most tweets: no one to be blocked from
    end if;
    if new.reply_to_id is not null then
      select user_id into other from public.tweets where id = new.reply_to_id;
      perform public.refuse_if_blocked(new.user_id, other, 'reply to their tweets');
    end if;
    if fields ->> 'quote_of_id' is not null then
      select user_id into other from public.tweets where id = (fields ->> 'quote_of_id')::uuid;
      perform public.refuse_if_blocked(new.user_id, other, 'quote their tweets');
    end if;
    return new;
  end if;
  select user_id into other from public.tweets where id = (fields ->> 'tweet_id')::uuid;
  perform public.refuse_if_blocked((fields ->> 'user_id')::uuid, other,
                                   case tg_table_name when 'likes' then 'like their tweets'
                                                      else 'repost their tweets' end);
  return new;
end
$$;
revoke execute on function public.refuse_across_block() from public, anon, authenticated;

create trigger follows_refuse_across_block before insert on public.follows
  for each row execute function public.refuse_across_block();
create trigger likes_refuse_across_block before insert on public.likes
  for each row execute function public.refuse_across_block();
-- Every tweet, not only `when (new.reply_to_id is not null)`: a WHEN could not name quote_of_id,
-- which a later migration adds, and a quote must be checked too.
create trigger tweets_refuse_across_block before insert on public.tweets
  for each row execute function public.refuse_across_block();

-- A block ends the follows between its two users, both ways (as the owner: the blocker may not
-- delete the other's follow). Their follow.deleted events take the entries out of home timelines.
create function public.end_follows_across_block() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform public.lock_user_pair(new.blocker_id, new.blocked_id);
  delete from public.follows
  where (follower_id = new.blocker_id and followee_id = new.blocked_id)
     or (follower_id = new.blocked_id and followee_id = new.blocker_id);
  return null;
end
$$;
revoke execute on function public.end_follows_across_block() from public, anon, authenticated;
create trigger blocks_end_follows after insert on public.blocks
  for each row execute function public.end_follows_across_block();

-- A suspended user's statements that would change anything fail, whatever rows they touch (a
-- statement-level trigger fires for none too, so a delete that RLS makes empty fails alike).
create function public.refuse_suspended_writer() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  -- The caller's role, even inside SECURITY DEFINER (as in public.count_write).
  if current_setting('role') = 'authenticated'
     and exists (select from public.profiles where id = auth.uid() and suspended_at is not null) then
    raise exception 'your account is suspended: you cannot change anything' using errcode = 'PT403';
  end if;
  return null;
end
$$;
revoke execute on function public.refuse_suspended_writer() from public, anon, authenticated;

-- Every table a user writes, and those that later migrations add (reposts, bookmarks) when present.
do $$
declare
  target record;
begin
  for target in
    select table_name, events from (values
      ('tweets', 'insert or delete'), ('likes', 'insert or delete'), ('follows', 'insert or delete'),
      ('blocks', 'insert or delete'), ('mutes', 'insert or delete'), ('reports', 'insert'),
      ('profiles', 'insert or update'), ('notifications', 'update or delete'),
      ('reposts', 'insert or delete'), ('bookmarks', 'insert or delete')
    ) as writable(table_name, events)
    where to_regclass('public.' || table_name) is not null
  loop
    execute format('create trigger %I before %s on public.%I for each statement '
                   'execute function public.refuse_suspended_writer()',
                   target.table_name || '_refuse_suspended', target.events, target.table_name);
  end loop;
  if to_regclass('public.reposts') is not null then
    create trigger reposts_refuse_across_block before insert on public.reposts
      for each row execute function public.refuse_across_block();
  end if;
end
$$;
