-- record_failure --
-- Count one more failure of a message and keep its error, returning how many failures it has had.
insert into public.event_failures as failure (msg_id, attempts, last_error, failed_at)
values (%(msg_id)s, 1, %(error)s, now())
on conflict (msg_id) do update
set attempts = failure.attempts + 1, last_error = excluded.last_error, failed_at = excluded.failed_at
returning attempts;

-- record_fatal_failure --
-- Record a message that can never succeed (malformed, unknown type) with its error.
insert into public.event_failures as failure (msg_id, attempts, last_error, failed_at)
values (%(msg_id)s, 1, %(error)s, now())
on conflict (msg_id) do update
set attempts = failure.attempts + 1, last_error = excluded.last_error, failed_at = excluded.failed_at;

-- clear_failures --
-- Forget the failure records of messages that have now succeeded.
delete from public.event_failures where msg_id = any(%(msg_ids)s::bigint[]);
