"""The queue consumer: turns the `events` queue's messages into notifications and counters.

`python -m consumer` runs it; `worker.Worker` is the loop, `handlers` the effects of each event
type, `queue` the pgmq calls, `deadletters` the operators' replay and status.
"""
