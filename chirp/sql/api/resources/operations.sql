-- Queries of the operations endpoints, run as the database owner (no caller).

-- ping --
-- Whether the database answers.
select 1 as ok;

-- queue_depth --
-- Messages waiting in a pgmq queue (pgmq 1.5.1's metrics function).
select queue_length from pgmq.metrics(queue_name => %(queue_name)s::text);
