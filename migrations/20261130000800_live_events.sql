-- Live updates (Server-Sent Events): what changed, as the consumer committed it, for the web
-- processes to fan out to their open streams; and the single-use tickets that let a browser open
-- a stream without putting its access token in a URL.
--
-- The consumer appends a row per event it processed (a new tweet, a deleted tweet, a follow, an
-- unfollow) and every notification it creates adds one through a trigger, all in the transaction
-- that deletes the messages: a row exists only for committed state, exactly once. A NOTIFY on
-- channel 'live_events' (no payload: "there is news") tells each web process, whose one listening
-- connection then reads the rows after the last id it has seen.
--
-- Ids are handed out in commit order: every insert first takes a transaction-level advisory lock,
-- held until its commit, so a transaction that got ids later also commits later. "The rows after
-- id N" is then exact, for the listeners and for a client resuming with Last-Event-ID: no row can
-- appear later with a smaller id. The lock is taken by the consumer's last statements, just before
-- it commits (consumer.handlers writes live events last), so it serialises only those.

create table public.live_events (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default now(),
  kind text not null check (kind in ('tweet', 'delete', 'notification', 'follow', 'unfollow')),
  -- The tweet's author (tweet, delete), the notification's recipient, or the follower.
  user_id uuid not null,
  tweet_id uuid,
  notification_id uuid,
  followee_id uuid,
  check ((kind in ('tweet', 'delete')) = (tweet_id is not null)),
  check ((kind = 'notification') = (notification_id is not null)),
  check ((kind in ('follow', 'unfollow')) = (followee_id is not null))
);
comment on table public.live_events is
  'What the live streams carry, in commit order; kept about 10 minutes (Last-Event-ID replay).';
alter table public.live_events enable row level security;
revoke all on public.live_events from anon, authenticated;

-- Ids in commit order: the first insert of a transaction waits for the previous one to commit.
create function public.lock_live_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform pg_advisory_xact_lock(hashtext('public.live_events'));
  return null;
end
$$;
revoke execute on function public.lock_live_events() from public, anon, authenticated;
create trigger lock_live_events before insert on public.live_events
  for each statement execute function public.lock_live_events();

-- One notification per transaction at most: identical notifications of one transaction are merged.
create function public.notify_live_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform pg_notify('live_events', '');
  return null;
end
$$;
revoke execute on function public.notify_live_events() from public, anon, authenticated;
create trigger notify_live_events after insert on public.live_events
  for each statement execute function public.notify_live_events();

-- Every new notification goes live to its recipient (ON CONFLICT DO NOTHING rows are not new).
create function public.notifications_go_live() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from new_notifications) then
    insert into public.live_events (kind, user_id, notification_id)
    select 'notification', recipient_id, id from new_notifications order by created_at, id;
  end if;
  return null;
end
$$;
revoke execute on function public.notifications_go_live() from public, anon, authenticated;
create trigger notifications_go_live after insert on public.notifications
  referencing new table as new_notifications
  for each statement execute function public.notifications_go_live();

-- A ticket for one GET /stream: only its SHA-256 is stored, so reading this table opens no stream.
create table public.stream_tickets (
  ticket_hash bytea primary key,
  user_id uuid not null,
  -- The stream ends when the token that asked for the ticket would have expired.
  token_expires_at timestamptz not null,
  expires_at timestamptz not null
);
comment on table public.stream_tickets is
  'Single-use tickets for GET /stream?ticket= (30 s), so a browser never puts its token in a URL.';
create index stream_tickets_expires_at_idx on public.stream_tickets (expires_at);
alter table public.stream_tickets enable row level security;
revoke all on public.stream_tickets from anon, authenticated;
