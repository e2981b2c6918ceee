-- read_messages --
-- Take up to `quantity` visible messages, hiding them from other readers for `visibility_timeout_seconds`.
select msg_id, read_ct, enqueued_at, vt, message
from pgmq.read(
  queue_name => %(queue_name)s::text,
  vt => %(visibility_timeout_seconds)s::integer,
  qty => %(quantity)s::integer
);

-- delete_messages --
-- Delete messages, returning the ids this transaction deleted (a message deleted by another consumer is not among them).
-- The ids go as a binary array, as the effects' arrays do (effects.sql).
select deleted_id
from pgmq.delete(queue_name => %(queue_name)s::text, msg_ids => %(msg_ids)b::bigint[]) as deleted_id;

-- delay_message --
-- Hide a message for `delay_seconds` from now (its next attempt).
select msg_id
from pgmq.set_vt(queue_name => %(queue_name)s::text, msg_id => %(msg_id)s::bigint, vt => %(delay_seconds)s::integer);

-- archive_message --
-- Move a message to the archive (the dead letters); false when it is no longer in the queue.
select pgmq.archive(queue_name => %(queue_name)s::text, msg_id => %(msg_id)s::bigint);

-- queue_metrics --
-- Depth and oldest message age of the queue, from pgmq itself.
select queue_length, oldest_msg_age_sec, newest_msg_age_sec, total_messages
from pgmq.metrics(queue_name => %(queue_name)s::text);

-- listen_events --
-- Subscribe to the events queue's insert notification (pgmq's channel name, kept by our fallback too).
listen "pgmq.q_events.INSERT";
