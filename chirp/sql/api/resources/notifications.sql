-- Queries behind /notifications; RLS shows each user only their own, the filters use the indexes.

-- notifications_page --
-- The caller's notifications, newest first, with the actor's profile.
select n.id, n.type, n.tweet_id, n.created_at, n.read_at,
       a.id as actor_id, a.username, a.full_name, a.avatar_url
from public.notifications as n
join public.profiles as a on a.id = n.actor_id
where n.recipient_id = %(user_id)s
  and (n.created_at, n.id) < (%(before_created_at)s, %(before_id)s)
order by n.created_at desc, n.id desc
limit %(limit)s;

-- unread_notifications_page --
-- The caller's unread notifications, newest first (notifications_recipient_unread_idx).
select n.id, n.type, n.tweet_id, n.created_at, n.read_at,
       a.id as actor_id, a.username, a.full_name, a.avatar_url
from public.notifications as n
join public.profiles as a on a.id = n.actor_id
where n.recipient_id = %(user_id)s and n.read_at is null
  and (n.created_at, n.id) < (%(before_created_at)s, %(before_id)s)
order by n.created_at desc, n.id desc
limit %(limit)s;

-- mark_notifications_read --
-- Mark some of the caller's notifications read; ids of others' notifications match nothing.
update public.notifications set read_at = now()
where recipient_id = %(user_id)s and id = any(%(ids)s) and read_at is null;

-- mark_all_notifications_read --
-- Mark every unread notification of the caller read.
update public.notifications set read_at = now()
where recipient_id = %(user_id)s and read_at is null;
