-- Rate limits kept in the database.
--
-- 1. Write limits for every entry point: an `authenticated` caller (the API, PostgREST on a Supabase
--    project, psql with that role and claims) inserts at most `write_limit.max_writes` tweets,
--    likes and follows together per user and fixed window of `write_limit.period_seconds`. Past it
--    the insert fails with SQLSTATE PT429, which PostgREST answers with HTTP 429 and the API with
--    its own 429. The database owner and service_role are not limited.
-- 2. The counters of the web tier's other limits (Flask-Limiter, through api/limit_storage.py),
--    so that they hold across every worker and web host with nothing more to run.
--
-- Counters are UNLOGGED: no WAL per hit, and a crash that empties them only forgives a window.

-- The one setting: `python -m migrations` writes RATE_LIMIT_WRITE here whenever it is set; an
-- operator reads and changes it with psql (README, "Rate limits").
create table public.write_limit (
  singleton boolean primary key default true constraint write_limit_singleton check (singleton),
  max_writes integer not null constraint write_limit_max_writes_positive check (max_writes > 0),
  period_seconds integer not null constraint write_limit_period_positive check (period_seconds > 0),
  updated_at timestamptz not null default now()
);
comment on table public.write_limit is
  'Inserts of tweets, likes and follows allowed per authenticated user and fixed window '
  '(RATE_LIMIT_WRITE). Change: update public.write_limit set max_writes = 30, period_seconds = 60;';
insert into public.write_limit (max_writes, period_seconds) values (30, 60);

-- One row per user who wrote: the window they count in and how many writes it holds so far.
create unlogged table public.write_counters (
  user_id uuid primary key,
  window_started_at timestamptz not null,
  writes integer not null
);
comment on table public.write_counters is
  'Writes counted per user in the current window of public.write_limit (unlogged: a crash forgives).';

-- Flask-Limiter's counters: one row per limit key, valid until `expires_at`.
create unlogged table public.rate_limit_counters (
  key text primary key,
  hits bigint not null,
  expires_at timestamptz not null
);
comment on table public.rate_limit_counters is
  'Counters of the web tier''s rate limits (RATELIMIT_STORAGE_URI unset); expired rows are purged.';

-- Nobody but the owner (the trigger below and the web tier's own connections) touches these.
alter table public.write_limit enable row level security;
alter table public.write_counters enable row level security;
alter table public.rate_limit_counters enable row level security;
revoke all on public.write_limit, public.write_counters, public.rate_limit_counters
  from public, anon, authenticated;

-- BEFORE INSERT FOR EACH ROW: a bulk insert through PostgREST counts every row, and a refused row
-- is refused before its insert and foreign key checks cost anything. An upsert on the user's row
-- counts atomically: concurrent writes of one user queue on that row, so the count is exact. The
-- writer is the row's own user column: RLS (checked after this trigger) makes it auth.uid(), and a
-- row naming someone else is refused by RLS, rolling its count back with it.
create function public.count_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  writer uuid;
  limit_row record;
  window_start timestamptz;
  counted integer;
  retry_after integer;
begin
  -- The `role` setting is the caller's (set_config('role', ...) by the API, SET ROLE by PostgREST),
  -- even inside this SECURITY DEFINER function: the owner and service_role are never limited.
  if current_setting('role') <> 'authenticated' then
    return new;
  end if;
  if tg_table_name = 'follows' then
    writer := new.follower_id;
  else
    writer := new.user_id;
  end if;
  select max_writes, period_seconds into limit_row from public.write_limit;
  if not found then
    return new;
  end if;
  -- Fixed windows aligned on the epoch: every process agrees on when a window starts and ends.
  window_start := to_timestamp(
    floor(extract(epoch from statement_timestamp()) / limit_row.period_seconds) * limit_row.period_seconds);
  insert into public.write_counters as counter (user_id, window_started_at, writes)
  values (writer, window_start, 1)
  on conflict (user_id) do update
    set writes = case when counter.window_started_at = excluded.window_started_at
                      then counter.writes + 1 else 1 end,
        window_started_at = excluded.window_started_at
  returning counter.writes into counted;
  if counted > limit_row.max_writes then
    retry_after := ceil(extract(epoch from
      window_start + make_interval(secs => limit_row.period_seconds) - statement_timestamp()))::integer;
    raise exception 'write limit reached: % tweets, likes and follows per % seconds; retry in % seconds',
      limit_row.max_writes, limit_row.period_seconds, greatest(retry_after, 1)
      using errcode = 'PT429',
            detail = json_build_object(
              'limit', limit_row.max_writes, 'period_seconds', limit_row.period_seconds,
              'retry_after', greatest(retry_after, 1),
              'reset', extract(epoch from window_start)::bigint + limit_row.period_seconds)::text,
            hint = format('retry after %s', to_char(
              (window_start + make_interval(secs => limit_row.period_seconds)) at time zone 'UTC',
              'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  end if;
  return new;
end
$$;

revoke execute on function public.count_write() from public, anon, authenticated;

create trigger tweets_count_write before insert on public.tweets
  for each row execute function public.count_write();
create trigger likes_count_write before insert on public.likes
  for each row execute function public.count_write();
create trigger follows_count_write before insert on public.follows
  for each row execute function public.count_write();
