-- What the HTTP API keeps for itself: Idempotency-Key records of POST /tweets, one per user and key,
-- honoured for 24 hours (an older record is taken over by the next request with that key).

create table public.idempotency_keys (
  user_id uuid not null references public.profiles (id) on delete cascade,
  key text not null constraint idempotency_keys_key_length check (char_length(key) between 1 and 255),
  -- Null while the creating transaction runs, and after the tweet is deleted.
  tweet_id uuid references public.tweets (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
-- For purging records older than 24 hours.
create index idempotency_keys_created_at_idx on public.idempotency_keys (created_at);
create index idempotency_keys_tweet_id_idx on public.idempotency_keys (tweet_id)
  where tweet_id is not null;

alter table public.idempotency_keys enable row level security;
revoke all on public.idempotency_keys from anon, authenticated;

-- Only the API, acting as the user, reads and writes a user's keys; anon nothing.
grant select, insert (user_id, key), update (tweet_id, created_at)
  on public.idempotency_keys to authenticated;
create policy "Users read their own idempotency keys" on public.idempotency_keys
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Users record their own idempotency keys" on public.idempotency_keys
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Users reuse their own idempotency keys" on public.idempotency_keys
  for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
