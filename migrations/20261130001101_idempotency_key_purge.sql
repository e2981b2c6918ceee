-- Expired Idempotency-Key records are purged by the writes themselves, a few at a time, so that no
-- scheduler has to run: every POST /tweets that carries a key first removes at most `max_rows`
-- records older than 24 hours (anyone's: the caller's own RLS view would leave the rest forever).

create function public.purge_expired_idempotency_keys(max_rows integer) returns integer
language sql security definer set search_path = ''
as $$
  with expired as (
    select user_id, key from public.idempotency_keys
    where created_at < now() - interval '24 hours'
    order by created_at
    limit least(max_rows, 100)
    -- Never wait for a record a concurrent request is taking over.
    for update skip locked
  ),
  purged as (
    delete from public.idempotency_keys as record
    using expired
    where record.user_id = expired.user_id and record.key = expired.key
    returning 1
  )
  select count(*)::integer from purged
$$;
revoke execute on function public.purge_expired_idempotency_keys(integer) from public, anon;
grant execute on function public.purge_expired_idempotency_keys(integer) to authenticated;
