-- Safety: blocks, mutes and reports, and the suspension of an account (profiles.suspended_at).
--
-- Blocks and mutes are private: only the user who made one reads it (RLS). What they hide, and
-- from whom, is decided by the policies of the tables they hide rows of (the next migrations),
-- through SECURITY DEFINER helpers, since a block is read there by the one it blocks too.
-- Reports are written by users and read by the database owner only (public.open_reports).

-- An operator suspends a user: `update public.profiles set suspended_at = now() where username = ...`
-- (README, "Moderation"); null again lifts it. Users cannot change it: their column grants omit it.
alter table public.profiles add column suspended_at timestamptz;
-- The few suspended users, read once per statement by the visibility helper.
create index profiles_suspended_idx on public.profiles (id) where suspended_at is not null;

create table public.blocks (
  blocker_id uuid not null references public.profiles (id) on delete cascade,
  blocked_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  -- Whom a user blocks, and "does A block B", are this key's ranges and probes.
  primary key (blocker_id, blocked_id),
  constraint blocks_not_self check (blocker_id <> blocked_id)
);
-- Who blocks a user (their readers' filter, and the profile's cascade); both columns, as for mutes.
create index blocks_blocked_id_idx on public.blocks (blocked_id, blocker_id);
-- GET /me/blocks: the newest first.
create index blocks_blocker_created_at_idx on public.blocks (blocker_id, created_at desc, blocked_id desc);

create table public.mutes (
  muter_id uuid not null references public.profiles (id) on delete cascade,
  muted_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (muter_id, muted_id),
  constraint mutes_not_self check (muter_id <> muted_id)
);
-- Who mutes a user (the profile's cascade). Both columns: a reader's per-row probe "do I mute this
-- author" may use either index and is still one exact probe, however many mute the author.
create index mutes_muted_id_idx on public.mutes (muted_id, muter_id);
create index mutes_muter_created_at_idx on public.mutes (muter_id, created_at desc, muted_id desc);

create table public.reports (
  id uuid primary key default gen_random_uuid(),
  reporter_id uuid not null references public.profiles (id) on delete cascade,
  reported_id uuid not null references public.profiles (id) on delete cascade,
  -- No foreign key: a report outlives the tweet it is about (its author may delete it), and keeps
  -- the text as it was when reported in `tweet_content` (filled in by a trigger, below).
  tweet_id uuid,
  tweet_content text,
  reason text not null
    constraint reports_reason_length check (char_length(reason) between 1 and 1000)
    constraint reports_reason_characters check (reason !~ '[\x01-\x08\x0B-\x1F\x7F\u0080-\u009F]'),
  created_at timestamptz not null default now(),
  -- Set by an operator when the report is dealt with (README, "Moderation").
  resolved_at timestamptz,
  constraint reports_not_self check (reporter_id <> reported_id)
);
-- The operators' queue: open reports, oldest first.
create index reports_open_idx on public.reports (created_at, id) where resolved_at is null;
create index reports_reporter_id_idx on public.reports (reporter_id);
create index reports_reported_id_idx on public.reports (reported_id);

-- A reported tweet must exist and be the reported user's; its text is kept with the report. As the
-- owner: the reporter may no longer be able to read it (they may have blocked its author first).
create function public.check_reported_tweet() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  author uuid;
  content text;
begin
  if new.tweet_id is null then
    new.tweet_content := null;
    return new;
  end if;
  select user_id, tweets.content into author, content from public.tweets where id = new.tweet_id;
  if not found then
    raise exception 'the reported tweet does not exist' using errcode = 'PT422';
  end if;
  if author <> new.reported_id then
    raise exception 'the reported tweet is not by the reported user' using errcode = 'PT422';
  end if;
  new.tweet_content := content;
  return new;
end
$$;
revoke execute on function public.check_reported_tweet() from public, anon, authenticated;
create trigger reports_check_tweet before insert on public.reports
  for each row execute function public.check_reported_tweet();

alter table public.blocks enable row level security;
alter table public.mutes enable row level security;
alter table public.reports enable row level security;
revoke all on public.blocks, public.mutes, public.reports from public, anon, authenticated;

-- Blocks and mutes: made, read and undone by their owner only; anon nothing.
grant select, insert (blocker_id, blocked_id), delete on public.blocks to authenticated;
create policy "Users read their own blocks" on public.blocks
  for select to authenticated using ((select auth.uid()) = blocker_id);
create policy "Users block as themselves" on public.blocks
  for insert to authenticated with check ((select auth.uid()) = blocker_id);
create policy "Users unblock as themselves" on public.blocks
  for delete to authenticated using ((select auth.uid()) = blocker_id);

grant select, insert (muter_id, muted_id), delete on public.mutes to authenticated;
create policy "Users read their own mutes" on public.mutes
  for select to authenticated using ((select auth.uid()) = muter_id);
create policy "Users mute as themselves" on public.mutes
  for insert to authenticated with check ((select auth.uid()) = muter_id);
create policy "Users unmute as themselves" on public.mutes
  for delete to authenticated using ((select auth.uid()) = muter_id);

-- Reports: filed as yourself, then the operators'. Not even the reporter reads them back (the API
-- chooses the id, so POST /reports needs no RETURNING, which would need SELECT).
grant insert (id, reporter_id, reported_id, tweet_id, reason) on public.reports to authenticated;
create policy "Users report as themselves" on public.reports
  for insert to authenticated with check ((select auth.uid()) = reporter_id);

-- The operators' queue (the database owner's only): open reports, oldest first.
create view public.open_reports as
select report.id, reporter.username as reporter, reported.username as reported,
       report.tweet_id, report.reason, report.created_at
from public.reports as report
join public.profiles as reporter on reporter.id = report.reporter_id
join public.profiles as reported on reported.id = report.reported_id
where report.resolved_at is null
order by report.created_at, report.id;
comment on view public.open_reports is
  'Reports not yet resolved, oldest first. Resolve: update public.reports set resolved_at = now() where id = ...;';
revoke all on public.open_reports from public, anon, authenticated;
