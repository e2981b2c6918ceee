-- The events queue at a glance: depth, visible and hidden messages, oldest message age, dead letters.
-- Run: psql "$DATABASE_URL" -f chirp/sql/operators/queue_status.sql
select
  metrics.queue_name,
  metrics.queue_length as depth,
  (select count(*) from pgmq.q_events where vt <= clock_timestamp()) as visible,
  (select count(*) from pgmq.q_events where vt > clock_timestamp()) as hidden_or_in_flight,
  metrics.oldest_msg_age_sec as oldest_message_age_seconds,
  metrics.newest_msg_age_sec as newest_message_age_seconds,
  metrics.total_messages as enqueued_ever,
  (select count(*) from public.dead_letters) as dead_letters,
  (select count(*) from public.event_failures f
    where exists (select from pgmq.q_events q where q.msg_id = f.msg_id)) as waiting_for_retry
from pgmq.metrics('events') as metrics;
