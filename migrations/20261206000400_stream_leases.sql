-- Open user streams, counted across every web process and host, and ended when their session does.
--
-- A user stream holds a lease: a row that expires unless the web process holding it refreshes it
-- (every few seconds, api/live/leases.py). Taking one counts the user's unexpired leases under a
-- per-user advisory lock, so two processes cannot both take the last one; a process that crashes
-- stops refreshing, and its streams stop counting when their leases expire.
--
-- A stream ticket also remembers the session of the token that asked for it, so that a stream
-- opened with a ticket ends when that session ends (sign-out), as one opened with the token does.

create table public.stream_leases (
  id uuid primary key,
  user_id uuid not null,
  expires_at timestamptz not null
);
comment on table public.stream_leases is
  'One row per open user stream (GET /stream), refreshed by the web process that serves it.';
create index stream_leases_user_id_idx on public.stream_leases (user_id);
alter table public.stream_leases enable row level security;
revoke all on public.stream_leases from anon, authenticated;

-- Run by the web process as the database owner; nobody else has a reason to.
create function public.take_stream_lease(p_lease_id uuid, p_user_id uuid, p_lease_seconds integer,
                                         p_max_streams integer) returns boolean
language plpgsql set search_path = ''
as $$
begin
  -- One user's takers queue here (until their transaction ends): the count below stays true.
  perform pg_advisory_xact_lock(hashtext('public.stream_leases'), hashtext(p_user_id::text));
  delete from public.stream_leases where user_id = p_user_id and expires_at <= now();
  if (select count(*) from public.stream_leases where user_id = p_user_id) >= p_max_streams then
    return false;
  end if;
  insert into public.stream_leases (id, user_id, expires_at)
  values (p_lease_id, p_user_id, now() + make_interval(secs => p_lease_seconds));
  return true;
end
$$;
revoke execute on function public.take_stream_lease(uuid, uuid, integer, integer) from public, anon, authenticated;

alter table public.stream_tickets add column session_id uuid;

-- Of the given (user, session) pairs of open streams, those whose user was deleted or whose
-- session ended (a null session is a token without one, which only its user's deletion ends).
-- Where `auth` has no sessions table (neither Supabase nor the local stand-in), only deletion counts.
-- Suspension (profiles.suspended_at) would be one more condition here.
create function public.ended_stream_sessions(p_user_ids uuid[], p_session_ids uuid[])
returns table (user_id uuid, session_id uuid)
language plpgsql stable set search_path = ''
as $$
begin
  if to_regclass('auth.sessions') is null then
    return query
      select streams.user_id, streams.session_id
      from unnest(p_user_ids, p_session_ids) as streams (user_id, session_id)
      where not exists (select from auth.users as u where u.id = streams.user_id);
  else
    return query
      select streams.user_id, streams.session_id
      from unnest(p_user_ids, p_session_ids) as streams (user_id, session_id)
      where not exists (select from auth.users as u where u.id = streams.user_id)
         or (streams.session_id is not null
             and not exists (select from auth.sessions as s where s.id = streams.session_id));
  end if;
end
$$;
revoke execute on function public.ended_stream_sessions(uuid[], uuid[]) from public, anon, authenticated;
