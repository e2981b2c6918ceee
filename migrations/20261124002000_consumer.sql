-- The consumer's wake-up call: a throttled NOTIFY on channel 'pgmq.q_events.INSERT' when messages
-- arrive in the events queue. The notification only says "there is work"; the consumer also polls
-- once a second, so a missed or throttled notification costs at most that.
--
-- A NOTIFY takes a global lock at commit, so one in every insert would serialize the API's writes:
-- at most one notification per throttle interval. Newer pgmq has this built in
-- (pgmq.enable_notify_insert, a row-level trigger; the pgmq SQL installed locally has it); hosted
-- Supabase's pgmq 1.5.1 does not, so there we install our own, statement-level (one check per
-- statement that enqueues, however many rows it inserts). The DO block below chooses at run time.

create table public.queue_notify_throttle (
  queue_name text primary key,
  throttle_interval interval not null,
  last_notified_at timestamptz not null default 'epoch'
);
comment on table public.queue_notify_throttle is
  'When the consumer''s fallback insert notification last fired (pgmq without enable_notify_insert).';
alter table public.queue_notify_throttle enable row level security;
revoke all on public.queue_notify_throttle from anon, authenticated;

create function public.notify_queue_insert() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  throttled_queue text := substring(tg_table_name from 3);
begin
  -- Skip, never wait: while one transaction holds the throttle row (until it commits), the others
  -- need not notify, since that one will. Waiting for its commit would serialize the writers.
  perform from public.queue_notify_throttle
  where queue_name = throttled_queue and clock_timestamp() - last_notified_at >= throttle_interval
  for update skip locked;
  if found then
    update public.queue_notify_throttle set last_notified_at = clock_timestamp()
    where queue_name = throttled_queue;
    perform pg_notify('pgmq.' || tg_table_name || '.INSERT', null);
  end if;
  return null;
end
$$;
revoke execute on function public.notify_queue_insert() from public, anon, authenticated;

-- 10 ms: at most 100 notifications a second, and a steady stream of tweets waits at most 10 ms
-- (5 ms on average) for the consumer to hear of it.
do $$
begin
  if to_regprocedure('pgmq.enable_notify_insert(text, integer)') is not null then
    perform pgmq.enable_notify_insert('events', 10);
  else
    insert into public.queue_notify_throttle (queue_name, throttle_interval)
    values ('events', interval '10 milliseconds');
    create trigger notify_queue_insert after insert on pgmq.q_events
      for each statement execute function public.notify_queue_insert();
  end if;
end
$$;
