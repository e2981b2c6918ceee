-- Row level security on every table, and the least privilege that goes with it: Supabase grants the
-- API roles everything in `public` by default, so every grant here follows a revoke of all.
-- Policies use `(select auth.uid())` so that PostgreSQL evaluates it once per statement.

alter table public.profiles enable row level security;
alter table public.tweets enable row level security;
alter table public.follows enable row level security;
alter table public.likes enable row level security;
alter table public.notifications enable row level security;
alter table public.profile_counters enable row level security;
alter table public.tweet_counters enable row level security;
alter table public.hashtag_hourly_counts enable row level security;
alter table public.event_failures enable row level security;

revoke all on
  public.profiles, public.tweets, public.follows, public.likes, public.notifications,
  public.profile_counters, public.tweet_counters, public.hashtag_hourly_counts,
  public.event_failures, public.dead_letters
  from anon, authenticated;

-- Public reading: profiles, tweets, the social graph, likes and the analytics.
grant select on
  public.profiles, public.tweets, public.follows, public.likes,
  public.profile_counters, public.tweet_counters, public.hashtag_hourly_counts
  to anon, authenticated;

create policy "Anyone can read profiles" on public.profiles
  for select to anon, authenticated using (true);
create policy "Anyone can read tweets" on public.tweets
  for select to anon, authenticated using (true);
create policy "Anyone can read follows" on public.follows
  for select to anon, authenticated using (true);
create policy "Anyone can read likes" on public.likes
  for select to anon, authenticated using (true);
create policy "Anyone can read profile counters" on public.profile_counters
  for select to anon, authenticated using (true);
create policy "Anyone can read tweet counters" on public.tweet_counters
  for select to anon, authenticated using (true);
create policy "Anyone can read hashtag counts" on public.hashtag_hourly_counts
  for select to anon, authenticated using (true);

-- Profiles: a user creates and changes only their own.
grant insert (id, username, full_name, avatar_url),
      update (username, full_name, avatar_url, updated_at)
  on public.profiles to authenticated;
create policy "Users create their own profile" on public.profiles
  for insert to authenticated with check ((select auth.uid()) = id);
create policy "Users change their own profile" on public.profiles
  for update to authenticated
  using ((select auth.uid()) = id) with check ((select auth.uid()) = id);

-- Tweets: written only as yourself (the seed let anyone write in anyone's name), deleted only by
-- their author. Tweets are not edited: their events and notifications describe what was posted.
grant insert (user_id, content, reply_to_id), delete on public.tweets to authenticated;
create policy "Users tweet as themselves" on public.tweets
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Users delete their own tweets" on public.tweets
  for delete to authenticated using ((select auth.uid()) = user_id);

-- Follows and likes: made and undone only as yourself.
grant insert (follower_id, followee_id), delete on public.follows to authenticated;
create policy "Users follow as themselves" on public.follows
  for insert to authenticated with check ((select auth.uid()) = follower_id);
create policy "Users unfollow as themselves" on public.follows
  for delete to authenticated using ((select auth.uid()) = follower_id);

grant insert (user_id, tweet_id), delete on public.likes to authenticated;
create policy "Users like as themselves" on public.likes
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Users unlike as themselves" on public.likes
  for delete to authenticated using ((select auth.uid()) = user_id);

-- Notifications: read, marked read and deleted by their recipient only; written by the consumer.
grant select, update (read_at), delete on public.notifications to authenticated;
create policy "Users read their own notifications" on public.notifications
  for select to authenticated using ((select auth.uid()) = recipient_id);
create policy "Users mark their own notifications read" on public.notifications
  for update to authenticated
  using ((select auth.uid()) = recipient_id) with check ((select auth.uid()) = recipient_id);
create policy "Users delete their own notifications" on public.notifications
  for delete to authenticated using ((select auth.uid()) = recipient_id);

-- The queue is the backend's own: the API roles can use nothing in the pgmq schema directly.
revoke all on schema pgmq from public, anon, authenticated;
revoke all on all tables in schema pgmq from public, anon, authenticated;
revoke all on all sequences in schema pgmq from public, anon, authenticated;
revoke all on all functions in schema pgmq from public, anon, authenticated;
