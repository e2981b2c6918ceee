-- Tables, constraints and the indexes behind every lookup the API and the consumer make.

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text not null
    constraint profiles_username_format check (username ~ '^[A-Za-z0-9_]{3,15}$'),
  full_name text constraint profiles_full_name_length check (char_length(full_name) <= 100),
  avatar_url text constraint profiles_avatar_url_length check (char_length(avatar_url) <= 2048),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Usernames are unique ignoring case: "Alice" and "alice" are one user.
create unique index profiles_username_unique on public.profiles (lower(username));

create table public.tweets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id) on delete cascade,
  content text not null
    constraint tweets_content_length check (char_length(content) between 1 and 280)
    -- Control characters other than tab and newline are refused by the API; this is the backstop.
    constraint tweets_content_characters
      check (content !~ '[\x01-\x08\x0B-\x1F\x7F\u0080-\u009F]'),
  reply_to_id uuid references public.tweets (id) on delete set null,
  created_at timestamptz not null default now()
);
-- A user's tweets by time, and the home timeline (one index range per followed user).
create index tweets_user_id_created_at_idx on public.tweets (user_id, created_at desc, id desc);
-- All tweets, newest first.
create index tweets_created_at_idx on public.tweets (created_at desc, id desc);
create index tweets_reply_to_id_idx on public.tweets (reply_to_id) where reply_to_id is not null;

create table public.follows (
  follower_id uuid not null references public.profiles (id) on delete cascade,
  followee_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (follower_id, followee_id),
  constraint follows_not_self check (follower_id <> followee_id)
);
-- Followers of a user (the primary key serves "whom does X follow").
create index follows_followee_id_idx on public.follows (followee_id);

create table public.likes (
  user_id uuid not null references public.profiles (id) on delete cascade,
  tweet_id uuid not null references public.tweets (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, tweet_id)
);
create index likes_tweet_id_idx on public.likes (tweet_id);

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  recipient_id uuid not null references public.profiles (id) on delete cascade,
  type text not null
    constraint notifications_type check (type in ('mention', 'reply', 'like', 'follow')),
  actor_id uuid not null references public.profiles (id) on delete cascade,
  -- A deleted tweet takes its notifications with it.
  tweet_id uuid references public.tweets (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  -- At most one per recipient, type, actor and tweet; a follow has no tweet, hence nulls not distinct.
  constraint notifications_once unique nulls not distinct (recipient_id, type, actor_id, tweet_id),
  constraint notifications_not_own_action check (recipient_id <> actor_id)
);
create index notifications_recipient_idx
  on public.notifications (recipient_id, created_at desc, id desc);
create index notifications_recipient_unread_idx
  on public.notifications (recipient_id, created_at desc, id desc) where read_at is null;
create index notifications_tweet_id_idx on public.notifications (tweet_id) where tweet_id is not null;
create index notifications_actor_id_idx on public.notifications (actor_id);

-- Analytics, written by the consumer only: counters and hourly hashtag counts for /trends.
create table public.profile_counters (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  tweet_count bigint not null default 0,
  follower_count bigint not null default 0,
  following_count bigint not null default 0
);

create table public.tweet_counters (
  tweet_id uuid primary key references public.tweets (id) on delete cascade,
  like_count bigint not null default 0
);

create table public.hashtag_hourly_counts (
  hour timestamptz not null constraint hashtag_hourly_counts_whole_hour
    check (hour = date_trunc('hour', hour)),
  tag text not null constraint hashtag_hourly_counts_lower_case check (tag = lower(tag)),
  count bigint not null default 0,
  -- /trends reads the last 24 hours: a range over `hour`.
  primary key (hour, tag)
);

-- The consumer's failure record: how often a message failed, and why, the last time.
create table public.event_failures (
  msg_id bigint primary key,
  attempts integer not null check (attempts > 0),
  last_error text not null,
  failed_at timestamptz not null default now()
);
