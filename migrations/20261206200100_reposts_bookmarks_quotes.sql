-- Sharing and keeping tweets: reposts, quotes and bookmarks, the counts of replies and reposts, and
-- the events and notifications they make.
--
-- - A repost is a row of public.reposts (public, like likes). Its insert enqueues `repost.created`
--   in the same transaction; the consumer counts it, notifies the author and puts the original into
--   the reposter's followers' home timelines. Deleting the original deletes its reposts (cascade).
-- - A quote is a tweet with `quote_of_id`. Deleting the quoted tweet sets it to null: the quote is
--   its own author's words and stays, shown with `quote_of` null, as a reply stays when its parent
--   goes (reply_to_id is set null the same way).
-- - A bookmark is a row of public.bookmarks, readable by its owner only, at the API and here.

-- Quotes.
alter table public.tweets
  add column quote_of_id uuid references public.tweets (id) on delete set null;
-- For the set-null when a quoted tweet is deleted: never a scan of tweets.
create index tweets_quote_of_id_idx on public.tweets (quote_of_id) where quote_of_id is not null;
grant insert (quote_of_id) on public.tweets to authenticated;

-- Counts kept by the consumer, like like_count.
alter table public.tweet_counters
  add column reply_count bigint not null default 0,
  add column repost_count bigint not null default 0;
-- Replies posted before this migration: counted once here (the consumer counts the ones after).
insert into public.tweet_counters as counter (tweet_id, reply_count)
select reply_to_id, count(*) from public.tweets where reply_to_id is not null group by reply_to_id
on conflict (tweet_id) do update set reply_count = excluded.reply_count;

create table public.reposts (
  user_id uuid not null references public.profiles (id) on delete cascade,
  tweet_id uuid not null references public.tweets (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, tweet_id)
);
-- The cascade from a deleted tweet, and a user's reposts by time (their page, the merged timeline).
create index reposts_tweet_id_idx on public.reposts (tweet_id);
create index reposts_user_id_created_at_idx on public.reposts (user_id, created_at desc, tweet_id desc);

create table public.bookmarks (
  user_id uuid not null references public.profiles (id) on delete cascade,
  tweet_id uuid not null references public.tweets (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, tweet_id)
);
-- GET /me/bookmarks, newest bookmark first; and the cascade from a deleted tweet.
create index bookmarks_user_id_created_at_idx on public.bookmarks (user_id, created_at desc, tweet_id desc);
create index bookmarks_tweet_id_idx on public.bookmarks (tweet_id);

alter table public.reposts enable row level security;
alter table public.bookmarks enable row level security;
revoke all on public.reposts, public.bookmarks from public, anon, authenticated;

-- Reposts are public, as likes are; made and undone only as yourself.
grant select on public.reposts to anon, authenticated;
grant insert (user_id, tweet_id), delete on public.reposts to authenticated;
create policy "Anyone can read reposts" on public.reposts
  for select to anon, authenticated using (true);
create policy "Users repost as themselves" on public.reposts
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Users undo their own reposts" on public.reposts
  for delete to authenticated using ((select auth.uid()) = user_id);

-- Bookmarks are private: their owner alone reads, makes and removes them; anon nothing.
grant select, insert (user_id, tweet_id), delete on public.bookmarks to authenticated;
create policy "Users read their own bookmarks" on public.bookmarks
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Users bookmark as themselves" on public.bookmarks
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Users remove their own bookmarks" on public.bookmarks
  for delete to authenticated using ((select auth.uid()) = user_id);

-- A repost is a write the database limits, as likes are (count_write takes the writer from user_id).
create trigger reposts_count_write before insert on public.reposts
  for each row execute function public.count_write();

-- Events: reposts like likes (statement-level, in the writing transaction); tweet events now carry
-- reply_to_id and quote_of_id both ways, so a deleted reply takes back its parent's reply count.
create function public.enqueue_repost_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'repost.created', 'user_id', r.user_id, 'tweet_id', r.tweet_id, 'created_at', r.created_at)
    from new_rows r;
  else
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'repost.deleted', 'user_id', r.user_id, 'tweet_id', r.tweet_id)
    from old_rows r;
  end if;
  return null;
end
$$;
revoke execute on function public.enqueue_repost_events() from public, anon, authenticated;

create trigger reposts_enqueue_created after insert on public.reposts
  referencing new table as new_rows
  for each statement execute function public.enqueue_repost_events();
create trigger reposts_enqueue_deleted after delete on public.reposts
  referencing old table as old_rows
  for each statement execute function public.enqueue_repost_events();

create or replace function public.enqueue_tweet_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'tweet.created', 'tweet_id', t.id, 'user_id', t.user_id,
      'reply_to_id', t.reply_to_id, 'quote_of_id', t.quote_of_id,
      'content', t.content, 'created_at', t.created_at)
    from new_rows t;
  else
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'tweet.deleted', 'tweet_id', t.id, 'user_id', t.user_id,
      'reply_to_id', t.reply_to_id, 'quote_of_id', t.quote_of_id,
      'content', t.content, 'created_at', t.created_at)
    from old_rows t;
  end if;
  return null;
end
$$;
revoke execute on function public.enqueue_tweet_events() from public, anon, authenticated;

-- Notifications of reposts and quotes.
alter table public.notifications drop constraint notifications_type;
alter table public.notifications add constraint notifications_type
  check (type in ('mention', 'reply', 'like', 'follow', 'repost', 'quote'));

-- Home timelines hold reposts too: an entry placed at the repost's time, naming the reposter.
-- `author_id` is the followee whose action put the entry there (the author, or the reposter), so
-- an unfollow still takes out exactly that followee's entries.
alter table public.home_timeline add column reposted_by uuid;

-- The user stream carries reposts (kind 'repost': user_id is the reposter, tweet_id the original).
alter table public.live_events drop constraint live_events_kind_check;
alter table public.live_events drop constraint live_events_check;
alter table public.live_events add constraint live_events_kind_check
  check (kind in ('tweet', 'delete', 'notification', 'follow', 'unfollow', 'repost',
                  'block', 'unblock', 'mute', 'unmute', 'suspend', 'reinstate'));
alter table public.live_events add constraint live_events_check
  check ((kind in ('tweet', 'delete', 'repost')) = (tweet_id is not null));
