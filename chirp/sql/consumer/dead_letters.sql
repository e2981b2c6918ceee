-- list_dead_letters --
-- Every dead letter with its failure record, oldest first.
select msg_id, message, attempts, last_error, failed_at
from public.dead_letters
order by msg_id;

-- dead_letter_ids --
-- The ids of every dead letter, oldest first.
select msg_id from pgmq.a_events order by msg_id;

-- replay_dead_letter --
-- Move one dead letter back into the queue as a new message and forget its failure record; returns the new id.
with taken as (
  delete from pgmq.a_events where msg_id = %(msg_id)s returning message
), forgotten as (
  delete from public.event_failures where msg_id = %(msg_id)s
)
select sent.msg_id
from taken
cross join lateral pgmq.send(queue_name => %(queue_name)s::text, msg => taken.message, delay => 0::integer)
  as sent(msg_id);
