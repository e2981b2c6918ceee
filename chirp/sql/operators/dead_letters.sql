-- Dead letters of the events queue with their attempts, last error and time, newest first.
-- Replay one with `python -m consumer replay MSG_ID`, or all with `python -m consumer replay --all`.
-- Run: psql "$DATABASE_URL" -f chirp/sql/operators/dead_letters.sql
select
  msg_id,
  message ->> 'type' as type,
  attempts,
  failed_at,
  left(replace(last_error, E'\n', ' '), 200) as last_error,
  message
from public.dead_letters
order by failed_at desc, msg_id desc;
