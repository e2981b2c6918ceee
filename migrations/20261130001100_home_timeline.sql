-- Home timelines written ahead (fan-out on write), kept by the consumer, read by GET /timeline.
--
-- A tweet is copied, as a small index entry, into the home timeline of each of its author's
-- followers, unless its author has more followers than `fanout_follower_limit`: those authors
-- ("pulled authors") are merged in at read time, so one post never writes millions of rows.
-- Every timeline keeps its newest `kept_entries` entries; the horizon records from where on a
-- timeline is complete, and reads older than it use the merge over followees' tweets.

create table public.home_timeline_settings (
  singleton boolean primary key default true constraint home_timeline_settings_one_row check (singleton),
  -- Authors with more followers than this are not fanned out but merged in at read time.
  fanout_follower_limit integer not null default 10000 check (fanout_follower_limit >= 0),
  -- Entries kept per timeline (Twitter kept 800, Mastodon 400).
  kept_entries integer not null default 800 check (kept_entries > 0),
  -- A new follow copies this many of the followee's newest tweets (Mastodon merges 100).
  backfill_entries integer not null default 100 check (backfill_entries > 0),
  -- Timelines trimmed per consumer batch, at most: the trim's cost per batch stays bounded.
  trimmed_timelines_per_batch integer not null default 100 check (trimmed_timelines_per_batch > 0)
);
insert into public.home_timeline_settings default values;
comment on table public.home_timeline_settings is
  'Fan-out on write: follower limit for fan-out, entries kept per timeline, backfill on follow, trim per batch.';

create table public.home_timeline (
  user_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null,
  tweet_id uuid not null,
  author_id uuid not null,
  -- A tweet's created_at never changes, so (user_id, tweet_id) is unique through this key too; its
  -- index, scanned backwards, is the page: (user_id, created_at desc, tweet_id desc).
  primary key (user_id, created_at, tweet_id)
);
-- tweet.deleted takes a tweet out of every timeline. No foreign key to tweets: a cascade would make
-- the author's DELETE /tweets remove up to fanout_follower_limit rows; the consumer does it instead,
-- and reads skip entries whose tweet is gone meanwhile.
create index home_timeline_tweet_id_idx on public.home_timeline (tweet_id);

create table public.home_timeline_horizons (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  -- Every entry at or after (created_at, tweet_id) is in the user's home_timeline; older ones may
  -- have been trimmed or never backfilled. No row: the timeline is complete.
  created_at timestamptz not null,
  tweet_id uuid not null
);

create table public.timeline_pulled_authors (
  author_id uuid primary key references public.profiles (id) on delete cascade,
  -- Once pulled, always pulled: tweets posted while an author was not fanned out stay readable.
  pulled_since timestamptz not null default now()
);

alter table public.home_timeline_settings enable row level security;
alter table public.home_timeline enable row level security;
alter table public.home_timeline_horizons enable row level security;
alter table public.timeline_pulled_authors enable row level security;
revoke all on public.home_timeline_settings, public.home_timeline, public.home_timeline_horizons,
  public.timeline_pulled_authors from anon, authenticated;

-- A user reads their own timeline and horizon; which authors are pulled is public knowledge (their
-- follower counts are). Only the consumer (the database owner) writes any of these.
grant select on public.home_timeline, public.home_timeline_horizons to authenticated;
grant select on public.timeline_pulled_authors to anon, authenticated;
create policy "Users read their own home timeline" on public.home_timeline
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Users read their own home timeline horizon" on public.home_timeline_horizons
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Anyone can read pulled authors" on public.timeline_pulled_authors
  for select to anon, authenticated using (true);

-- Existing data: the authors already past the limit are pulled, and the timelines of users who
-- follow anyone start empty, complete only from now on (older pages use the merge).
insert into public.timeline_pulled_authors (author_id)
select user_id from public.profile_counters
where follower_count > (select fanout_follower_limit from public.home_timeline_settings);
insert into public.home_timeline_horizons (user_id, created_at, tweet_id)
select distinct follower_id, now(), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid from public.follows;
