"""The pgmq queue the triggers write every event into (migrations/20261124000200_events_queue.sql),
named once for the consumer that reads it and the web tier that reports its depth."""

QUEUE_NAME = "events"
