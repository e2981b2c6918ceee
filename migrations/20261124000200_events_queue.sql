-- The `events` queue, the triggers that enqueue into it inside the writing transaction, and the
-- operators' view of dead letters. Nothing here needs more than pgmq 1.5.1 (hosted Supabase's).

select pgmq.create('events');

-- The triggers insert into the queue table exactly the row pgmq.send would (`vt` now, `message`),
-- as one statically planned statement per writing statement. pgmq.send builds and EXECUTEs a
-- dynamic INSERT on every call, which measured at 0.49 of the untriggered insert rate against 0.66
-- for this (bench/insert_trigger_bench.py). Statement-level triggers with transition tables make
-- a bulk insert or a cascading delete one enqueue statement, and a statement that changed no row
-- (an idempotent "insert ... on conflict do nothing") enqueues nothing. Messages carry what the
-- consumer must know even after the row is gone, so created and deleted events commute.

create function public.enqueue_tweet_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'tweet.created', 'tweet_id', t.id, 'user_id', t.user_id,
      'reply_to_id', t.reply_to_id, 'content', t.content, 'created_at', t.created_at)
    from new_rows t;
  else
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'tweet.deleted', 'tweet_id', t.id, 'user_id', t.user_id,
      'content', t.content, 'created_at', t.created_at)
    from old_rows t;
  end if;
  return null;
end
$$;

-- Unlikes and unfollows are events too, so that the counters stay right.
create function public.enqueue_like_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'like.created', 'user_id', l.user_id, 'tweet_id', l.tweet_id, 'created_at', l.created_at)
    from new_rows l;
  else
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'like.deleted', 'user_id', l.user_id, 'tweet_id', l.tweet_id)
    from old_rows l;
  end if;
  return null;
end
$$;

create function public.enqueue_follow_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'follow.created', 'follower_id', f.follower_id, 'followee_id', f.followee_id,
      'created_at', f.created_at)
    from new_rows f;
  else
    insert into pgmq.q_events (vt, message)
    select clock_timestamp(), jsonb_build_object(
      'type', 'follow.deleted', 'follower_id', f.follower_id, 'followee_id', f.followee_id)
    from old_rows f;
  end if;
  return null;
end
$$;

create trigger tweets_enqueue_created after insert on public.tweets
  referencing new table as new_rows
  for each statement execute function public.enqueue_tweet_events();
create trigger tweets_enqueue_deleted after delete on public.tweets
  referencing old table as old_rows
  for each statement execute function public.enqueue_tweet_events();
create trigger likes_enqueue_created after insert on public.likes
  referencing new table as new_rows
  for each statement execute function public.enqueue_like_events();
create trigger likes_enqueue_deleted after delete on public.likes
  referencing old table as old_rows
  for each statement execute function public.enqueue_like_events();
create trigger follows_enqueue_created after insert on public.follows
  referencing new table as new_rows
  for each statement execute function public.enqueue_follow_events();
create trigger follows_enqueue_deleted after delete on public.follows
  referencing old table as old_rows
  for each statement execute function public.enqueue_follow_events();

-- Trigger functions are not for calling.
revoke execute on function
  public.enqueue_tweet_events(), public.enqueue_like_events(), public.enqueue_follow_events()
  from public, anon, authenticated;

-- Dead letters: archived messages (only failures are archived) with their failure record.
create view public.dead_letters as
select
  archived.msg_id,
  archived.message,
  coalesce(failure.attempts, archived.read_ct) as attempts,
  coalesce(failure.last_error, 'archived without a failure record') as last_error,
  coalesce(failure.failed_at, archived.archived_at) as failed_at
from pgmq.a_events as archived
left join public.event_failures as failure using (msg_id);

comment on view public.dead_letters is
  'Messages of the events queue that failed CONSUMER_MAX_ATTEMPTS times or can never succeed. '
  'Replay with: python -m consumer replay MSG_ID... (or --all).';
