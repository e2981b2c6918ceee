-- configure_session --
-- Session settings of every consumer connection: UTC hours, asynchronous commit, dead-client checks.
-- TimeZone: hashtag hours are whole UTC hours, as the table's check computes them in this session.
-- synchronous_commit off: exactly once survives a server crash without waiting for each commit's
--   flush, since the WAL is written in order and a lost transaction is lost whole, its effects
--   together with its pgmq.delete, so its messages come back and are processed again.
-- client_connection_check_interval: should the consumer die mid-statement, the server aborts the
--   statement within a second rather than at its end, releasing the locks on the batch's messages.
select
  set_config('TimeZone', 'UTC', false),
  set_config('synchronous_commit', 'off', false),
  set_config('client_connection_check_interval', '1s', false);
