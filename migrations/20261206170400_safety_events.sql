-- Blocks, mutes and suspensions as events: the consumer takes them out of home timelines and hands
-- them to the live streams, which must apply them to open streams within a second.
--
-- Messages on the `events` queue, enqueued in the writing transaction like the others:
--   block.created / block.deleted   {blocker_id, blocked_id}
--   mute.created / mute.deleted     {muter_id, muted_id}
--   user.suspended / user.reinstated {user_id}   (an operator's update of profiles.suspended_at)
-- A suspension goes through the queue too, not straight into public.live_events: an insert there
-- holds the live events' ordering lock until its transaction commits, and an operator's psql
-- session left open would stall every stream; a queue message waits for nobody.

create function public.enqueue_block_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into pgmq.q_events (vt, message)
  select clock_timestamp(), jsonb_build_object(
    'type', case tg_op when 'INSERT' then 'block.created' else 'block.deleted' end,
    'blocker_id', b.blocker_id, 'blocked_id', b.blocked_id)
  from changed_rows as b;
  return null;
end
$$;

create function public.enqueue_mute_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into pgmq.q_events (vt, message)
  select clock_timestamp(), jsonb_build_object(
    'type', case tg_op when 'INSERT' then 'mute.created' else 'mute.deleted' end,
    'muter_id', m.muter_id, 'muted_id', m.muted_id)
  from changed_rows as m;
  return null;
end
$$;

create function public.enqueue_suspension_events() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into pgmq.q_events (vt, message)
  values (clock_timestamp(), jsonb_build_object(
    'type', case when new.suspended_at is null then 'user.reinstated' else 'user.suspended' end,
    'user_id', new.id));
  return null;
end
$$;

revoke execute on function public.enqueue_block_events(), public.enqueue_mute_events(),
  public.enqueue_suspension_events() from public, anon, authenticated;

create trigger blocks_enqueue_created after insert on public.blocks
  referencing new table as changed_rows
  for each statement execute function public.enqueue_block_events();
create trigger blocks_enqueue_deleted after delete on public.blocks
  referencing old table as changed_rows
  for each statement execute function public.enqueue_block_events();
create trigger mutes_enqueue_created after insert on public.mutes
  referencing new table as changed_rows
  for each statement execute function public.enqueue_mute_events();
create trigger mutes_enqueue_deleted after delete on public.mutes
  referencing old table as changed_rows
  for each statement execute function public.enqueue_mute_events();
-- Row-level: a trigger on a column list cannot have transition tables (and suspensions are few).
create trigger profiles_enqueue_suspension after update of suspended_at on public.profiles
  for each row when (old.suspended_at is distinct from new.suspended_at)
  execute function public.enqueue_suspension_events();

-- The live streams' new kinds: `block`, `unblock`, `mute`, `unmute` (user_id: who blocks or mutes,
-- target_id: whom) and `suspend`, `reinstate` (user_id: the user). None is sent to a client: each
-- changes what the streams of the users concerned, or every stream, may carry.
alter table public.live_events add column target_id uuid;
alter table public.live_events
  drop constraint live_events_kind_check,
  add constraint live_events_kind_check check (kind in (
    'tweet', 'delete', 'notification', 'follow', 'unfollow',
    'block', 'unblock', 'mute', 'unmute', 'suspend', 'reinstate')),
  add constraint live_events_target_check
    check ((kind in ('block', 'unblock', 'mute', 'unmute')) = (target_id is not null));
