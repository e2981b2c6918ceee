-- Queries behind the live streams (api/live.py, api/streams.py). They run as the web process's own
-- login role: the streams decide who sees what (api.live.Stream.wants), with the rules RLS applies.

-- listen_live_events --
-- Subscribe the web process's one listening connection to the consumer's "there is news".
listen live_events;

-- newest_live_event_id --
-- The id a new listener starts after: only what commits from now on is news.
select coalesce(max(id), 0) as id from public.live_events;

-- live_events_after --
-- Live events after an id, oldest first (ids are in commit order), a bounded number at a time.
select id, kind, user_id, tweet_id, notification_id, followee_id, target_id
from public.live_events
where id > %(after_id)s
order by id
limit %(limit)s;

-- notifications_by_ids --
-- Notifications as GET /notifications shows them, those of the given ids that still exist.
select n.id, n.type, n.tweet_id, n.created_at, n.read_at,
       a.id as actor_id, a.username, a.full_name, a.avatar_url
from public.notifications as n
join public.profiles as a on a.id = n.actor_id
where n.id = any(%(ids)s::uuid[]);

-- reposts_by_keys --
-- Reposted tweets as the timelines show them (with reposted_by and position_at, the repost's time),
-- for the given (reposter, tweet) pairs whose repost still stands.
select card.*, repost.created_at as position_at,
       reposter.id as reposted_by_id, reposter.username as reposted_by_username,
       reposter.full_name as reposted_by_full_name, reposter.avatar_url as reposted_by_avatar_url
from unnest(%(user_ids)s::uuid[], %(tweet_ids)s::uuid[]) as wanted(user_id, tweet_id)
join public.reposts as repost on repost.user_id = wanted.user_id and repost.tweet_id = wanted.tweet_id
join public.tweet_cards as card on card.id = repost.tweet_id
join public.profiles as reposter on reposter.id = repost.user_id;

-- followee_ids --
-- Everyone a user follows: whose tweets their stream carries.
select followee_id from public.follows where follower_id = %(user_id)s;

-- stream_reader --
-- Whether a stream's reader is suspended, and whom they block, are blocked by and mute: whose tweets and notifications their streams leave out.
select exists (select from public.profiles where id = %(user_id)s and suspended_at is not null) as suspended,
       array(select blocked_id from public.blocks where blocker_id = %(user_id)s) as blocking,
       array(select blocker_id from public.blocks where blocked_id = %(user_id)s) as blocked_by,
       array(select muted_id from public.mutes where muter_id = %(user_id)s) as muting;

-- suspended_user_ids --
-- Every suspended user: no stream carries their tweets (the hub reads them when it starts listening).
select id from public.profiles where suspended_at is not null;

-- issue_stream_ticket --
-- Store a new ticket's hash for 30 seconds, and forget a bounded number of expired ones.
with forgotten as (
  delete from public.stream_tickets
  where ticket_hash in (
    select ticket_hash from public.stream_tickets where expires_at < now() limit 100
  )
)
insert into public.stream_tickets (ticket_hash, user_id, session_id, token_expires_at, expires_at)
values (%(ticket_hash)s, %(user_id)s, %(session_id)s, to_timestamp(%(token_expires_at)s),
        now() + make_interval(secs => %(lifetime_seconds)s));

-- spend_stream_ticket --
-- Use a ticket up: it is deleted whatever its age, and counts only if it had not expired.
delete from public.stream_tickets
where ticket_hash = %(ticket_hash)s
returning user_id, session_id, extract(epoch from token_expires_at)::float8 as token_expires_at,
          expires_at > now() as valid;

-- take_stream_lease --
-- Count a new user stream, unless that user already holds the most allowed (see the migration).
select public.take_stream_lease(%(lease_id)s, %(user_id)s, %(lease_seconds)s, %(max_streams)s) as taken;

-- release_stream_lease --
-- A stream ended: it counts no more.
delete from public.stream_leases where id = %(lease_id)s;

-- refresh_stream_leases --
-- Keep this process's open streams counted for another lease period, and forget expired leases.
with forgotten as (
  delete from public.stream_leases where expires_at <= now() and id <> all(%(lease_ids)s::uuid[])
)
update public.stream_leases
set expires_at = now() + make_interval(secs => %(lease_seconds)s)
where id = any(%(lease_ids)s::uuid[]);

-- ended_stream_sessions --
-- Of the open streams' (user, session) pairs, those whose user was deleted or session ended.
select user_id, session_id
from public.ended_stream_sessions(%(user_ids)s::uuid[], %(session_ids)s::uuid[]);
