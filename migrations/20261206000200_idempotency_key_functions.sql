-- Idempotency-Key records are the API's bookkeeping: no API role reads or writes the table any more.
--
-- Until now `authenticated` inserted and updated its own rows directly, so a user could write
-- 20,000 rows with created_at = 'infinity' (never purged), or point tweet_id at another user's
-- tweet, which POST /tweets with that key then returned as 201 (issue 16). Now three narrow
-- SECURITY DEFINER functions do it for the caller: the user is auth.uid(), never a parameter; the
-- timestamps are now(); a remembered tweet is the caller's own; and a user holds at most
-- `max_live_keys` keys younger than 24 hours (past that PT429, which the API answers with 429).

-- Forged records from before: dated in the future, or naming someone else's tweet.
delete from public.idempotency_keys where created_at > now();
delete from public.idempotency_keys as record
using public.tweets as tweet
where tweet.id = record.tweet_id and tweet.user_id <> record.user_id;

drop policy "Users read their own idempotency keys" on public.idempotency_keys;
drop policy "Users record their own idempotency keys" on public.idempotency_keys;
drop policy "Users reuse their own idempotency keys" on public.idempotency_keys;
revoke all on public.idempotency_keys from public, anon, authenticated;
-- The claim below purges expired records itself; nobody calls this one any more.
drop function public.purge_expired_idempotency_keys(integer);

-- A user's live keys, counted on every claim.
create index idempotency_keys_user_id_created_at_idx on public.idempotency_keys (user_id, created_at);

-- Take `key` for the caller: true when it is new or older than 24 hours (its record starts again),
-- false while the caller's earlier request with it holds it. A concurrent request with the same key
-- waits on the primary key until the first commits, then gets false.
create function public.claim_idempotency_key(key text) returns boolean
language plpgsql security definer set search_path = ''
as $$
#variable_conflict use_column
declare
  -- Far more than a person posts in a day; a client past it may still post without keys.
  max_live_keys constant integer := 1000;
  caller uuid := auth.uid();
  live_keys integer;
  oldest timestamptz;
  retry_after integer;
  claimed boolean;
begin
  if caller is null or current_setting('role') = 'anon' then
    raise exception 'only a signed-in user claims an Idempotency-Key' using errcode = '42501';
  end if;
  -- Expired records go a few at a time, anyone's, so the table holds about a day's keys with no
  -- scheduler; never wait for a record a concurrent request is taking over.
  delete from public.idempotency_keys as record
  using (
    select user_id, key as expired_key from public.idempotency_keys
    where created_at < now() - interval '24 hours'
    order by created_at limit 10
    for update skip locked
  ) as expired
  where record.user_id = expired.user_id and record.key = expired.expired_key;
  -- One claim at a time per user, so the bound below holds under concurrent requests.
  perform pg_advisory_xact_lock(hashtextextended('public.idempotency_keys ' || caller::text, 0));
  select count(*), min(created_at) into live_keys, oldest
  from public.idempotency_keys as record
  where record.user_id = caller and record.created_at >= now() - interval '24 hours'
    and record.key <> claim_idempotency_key.key;
  if live_keys >= max_live_keys then
    retry_after := greatest(1, ceil(extract(epoch from oldest + interval '24 hours' - now()))::integer);
    raise exception 'too many Idempotency-Keys: % in 24 hours; retry in % seconds, or post without one',
      max_live_keys, retry_after
      using errcode = 'PT429',
            detail = json_build_object(
              'limit', max_live_keys, 'period_seconds', 86400, 'retry_after', retry_after,
              'reset', ceil(extract(epoch from oldest + interval '24 hours'))::bigint)::text;
  end if;
  insert into public.idempotency_keys as record (user_id, key, created_at)
  values (caller, claim_idempotency_key.key, now())
  on conflict on constraint idempotency_keys_pkey do update set tweet_id = null, created_at = now()
    where record.created_at < now() - interval '24 hours'
  returning true into claimed;
  return coalesce(claimed, false);
end
$$;

-- Record that the caller's claimed `key` created `tweet_id`, which must be the caller's own tweet.
create function public.remember_idempotent_tweet(key text, tweet_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
#variable_conflict use_column
declare
  caller uuid := auth.uid();
begin
  if caller is null or current_setting('role') = 'anon' then
    raise exception 'only a signed-in user records an Idempotency-Key' using errcode = '42501';
  end if;
  if not exists (
    select from public.tweets as tweet
    where tweet.id = remember_idempotent_tweet.tweet_id and tweet.user_id = caller
  ) then
    raise exception 'tweet % is not yours', remember_idempotent_tweet.tweet_id using errcode = '42501';
  end if;
  update public.idempotency_keys as record set tweet_id = remember_idempotent_tweet.tweet_id
  where record.user_id = caller and record.key = remember_idempotent_tweet.key
    and record.tweet_id is null;
  if not found then
    raise exception 'no Idempotency-Key % is waiting for its tweet', remember_idempotent_tweet.key
      using errcode = 'P0002';
  end if;
end
$$;

-- The tweet the caller's `key` created; null when there is none, or it was deleted since.
create function public.idempotent_tweet(key text) returns uuid
language sql stable security definer set search_path = ''
as $$
  select record.tweet_id from public.idempotency_keys as record
  where record.user_id = auth.uid() and record.key = idempotent_tweet.key
$$;

revoke all on function public.claim_idempotency_key(text), public.remember_idempotent_tweet(text, uuid),
  public.idempotent_tweet(text) from public, anon;
grant execute on function public.claim_idempotency_key(text), public.remember_idempotent_tweet(text, uuid),
  public.idempotent_tweet(text) to authenticated;
