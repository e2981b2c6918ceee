"""The queue consumer: turns the `events` queue's messages into notifications, counters, trends,
home timelines and live events, each batch's effects committed with its messages' delete.

`python -m consumer` runs it; `worker.Worker` is the loop, `events` parses messages, `handlers` the
effects of each event type, `home_timeline` the timelines written ahead, `safety` what blocks,
mutes and suspensions tell the live streams, `queue` the pgmq calls,
`failures` retries and dead letters, `dead_letters` the operators' replay and status.
"""
