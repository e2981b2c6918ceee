"""The consumer loop: read a batch, commit its effects together with its deletion, wait for more.

Exactly once: a message's effects and its `pgmq.delete` commit in one transaction, and the delete
comes first, so of two consumers that both hold a message (its visibility timeout expired) only
the one whose delete deletes it writes anything; the other's delete waits, then finds nothing.

A batch is written with set-based statements in one transaction; should that fail, it is rolled
back and each message is tried alone in a savepoint of its own, so one bad message never fails or
delays the rest.

Both connections are in autocommit, so that a read is one round trip and a batch's transaction
(BEGIN, the delete, one statement per kind of effect, COMMIT) has no savepoint in the common case:
a savepoint costs two more round trips and makes the batch's rows a subtransaction's.
"""

from __future__ import annotations

import logging
import os
import selectors
import threading
import time
from collections import Counter
from datetime import datetime, timezone

import psycopg

from chirp.queries import QUERIES
from chirp.settings import Settings
from consumer import events, failures, handlers, metrics, queue

logger = logging.getLogger("consumer.worker")

# The insert notification is throttled on its leading edge (10 ms): a message that arrives within
# the interval after one notification sends none. So after any sign of work, look again every
# FOLLOW_UP_INTERVAL_SECONDS for FOLLOW_UP_SECONDS before falling back to the slow poll: a message
# whose notification was swallowed is picked up within a few throttle intervals, not a second.
FOLLOW_UP_INTERVAL_SECONDS = 0.010
FOLLOW_UP_SECONDS = 0.250
# Live events are kept this long for streams resuming with Last-Event-ID (the contract: >= 5 min),
# and purged at most this often, at most LIVE_EVENTS_PURGE_LIMIT rows at a time.
LIVE_EVENTS_KEEP_SECONDS = 600
LIVE_EVENTS_PURGE_INTERVAL_SECONDS = 30.0
LIVE_EVENTS_PURGE_LIMIT = 10000
# How often the queue's depth and oldest age are measured for the metrics.
QUEUE_METRICS_INTERVAL_SECONDS = 5.0
# A message delivered this many times per allowed attempt without ever completing or failing
# cleanly is taken to crash the consumer itself (a failure we could not record): dead-letter it.
DELIVERIES_PER_ATTEMPT = 4
# After losing the database, wait this long (doubling up to the cap) before reconnecting.
RECONNECT_DELAY_SECONDS = 0.5
RECONNECT_DELAY_CAP_SECONDS = 10.0


class Worker:
    """Consumes the events queue until stopped, or, in drain mode, until no message is visible."""

    def __init__(self, settings: Settings, database_url: str | None = None,
                 stopping: threading.Event | None = None):
        self.settings = settings
        self.database_url = database_url or settings.database_url
        # Workers of one process share this event: one signal stops them all.
        self.stopping = stopping or threading.Event()
        self.processed_count = 0
        # The stop event cannot interrupt select(); a byte down this pipe, open while run() runs, can.
        self._wake_pipe: tuple[int, int] | None = None
        self._metrics_measured_at = 0.0
        self._live_events_purged_at = 0.0

    def stop(self) -> None:
        """Finish the batch in hand, then return from `run`; safe to call twice, and from a signal handler."""
        self.stopping.set()
        wake_pipe = self._wake_pipe
        if wake_pipe is not None:
            try:
                os.write(wake_pipe[1], b"x")
            except OSError:
                pass  # A full pipe wakes the loop already; a closed one means run() has returned.

    def run(self, drain: bool = False) -> int:
        """Consume until `stop()`, or with `drain` until no message is visible; returns messages handled."""
        reader, writer = os.pipe()
        os.set_blocking(writer, False)
        self._wake_pipe = (reader, writer)
        try:
            self._run(drain)
        finally:
            self._wake_pipe = None
            os.close(reader)
            os.close(writer)
        return self.processed_count

    def _run(self, drain: bool) -> None:
        """Connect and consume until stopped or drained, reconnecting whenever the database goes away."""
        reconnect_delay = RECONNECT_DELAY_SECONDS
        while not self.stopping.is_set():
            try:
                with self._connect() as connection, self._connect() as listener:
                    queue.listen(listener)
                    reconnect_delay = RECONNECT_DELAY_SECONDS
                    self._consume(connection, listener, drain)
                    return
            except psycopg.Error as error:
                # The database went away (or failed where no message is to blame): start afresh.
                logger.error("database error, reconnecting", extra={"error": str(error)})
                self._wait(None, reconnect_delay)
                reconnect_delay = min(reconnect_delay * 2, RECONNECT_DELAY_CAP_SECONDS)

    def _connect(self) -> psycopg.Connection:
        """An autocommit connection with the consumer's session settings (UTC, asynchronous commit; see session.sql)."""
        connection = psycopg.connect(self.database_url, autocommit=True)
        connection.execute(QUERIES["configure_session"])
        return connection

    def _consume(self, connection: psycopg.Connection, listener: psycopg.Connection, drain: bool) -> None:
        """Read and process batches until stopped or, in drain mode, until a read finds nothing."""
        follow_up_until = 0.0
        while not self.stopping.is_set():
            self._measure_queue(connection)
            self._purge_live_events(connection)
            batch = queue.read(
                connection,
                self.settings.consumer_visibility_timeout_seconds,
                self.settings.consumer_batch_size,
            )
            if batch:
                self.process(connection, batch)
                follow_up_until = time.monotonic() + FOLLOW_UP_SECONDS
                continue
            if drain:
                return
            following_up = time.monotonic() < follow_up_until
            if self._wait(listener, FOLLOW_UP_INTERVAL_SECONDS if following_up else self.settings.consumer_poll_seconds):
                follow_up_until = time.monotonic() + FOLLOW_UP_SECONDS

    def _wait(self, listener: psycopg.Connection | None, timeout_seconds: float) -> bool:
        """Wait for a notification, a stop or the timeout, whichever comes first; true if notified."""
        if self.stopping.is_set():
            return False
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_pipe[0], selectors.EVENT_READ)
            if listener is not None:
                selector.register(listener.fileno(), selectors.EVENT_READ)
            selector.select(timeout_seconds)
        if listener is None:
            return False
        # Consume what arrived: the notifications only say "there is work".
        return sum(1 for _ in listener.notifies(timeout=0)) > 0

    def process(self, connection: psycopg.Connection, batch: list[queue.QueueMessage]) -> None:
        """Commit the effects of `batch`: all at once, else message by message."""
        parsed = self._parse(connection, batch)
        try:
            # In pipeline mode the batch costs two round trips, not one per statement: BEGIN with the
            # messages' delete (whose result decides which events are ours), then every effect and
            # the COMMIT in one flush. An effect's error surfaces at that flush, the COMMIT then
            # meets an aborted transaction, and the batch is retried message by message as before.
            with connection.pipeline(), connection.transaction():
                done = self._process_together(connection, parsed)
        except Exception as error:  # noqa: BLE001 - any failure falls back to one by one
            if connection.broken:
                raise
            logger.info("batch failed, retrying its messages one by one",
                        extra={"error": str(error), "batch_size": len(parsed)})
            with connection.transaction():
                done = [pair for pair in parsed if self._process_alone(connection, *pair)]
        self._count(done)

    def _parse(
        self, connection: psycopg.Connection, batch: list[queue.QueueMessage]
    ) -> list[tuple[queue.QueueMessage, events.Event]]:
        """The batch's events; malformed messages and those that keep crashing us go to the dead letters."""
        most_deliveries = self.settings.consumer_max_attempts * DELIVERIES_PER_ATTEMPT
        parsed = []
        for message in batch:
            try:
                if message.read_ct > most_deliveries:
                    raise events.MalformedEvent(
                        f"delivered {message.read_ct} times without completing: it may crash the consumer")
                parsed.append((message, events.parse(message.message)))
            except events.MalformedEvent as error:
                # A transaction of its own (rare): the batch's transaction may yet roll back.
                with connection.transaction():
                    failures.dead_letter_at_once(connection, message, str(error))
        return parsed

    def _process_together(
        self, connection: psycopg.Connection, parsed: list[tuple[queue.QueueMessage, events.Event]]
    ) -> list[tuple[queue.QueueMessage, events.Event]]:
        """Delete the batch's messages and write the effects of those this transaction deleted."""
        owned = queue.delete(connection, [message.msg_id for message, _ in parsed])
        done = [(message, event) for message, event in parsed if message.msg_id in owned]
        handlers.apply(connection, [event for _, event in done])
        failures.forget(connection, [message for message, _ in done])
        return done

    def _process_alone(
        self, connection: psycopg.Connection, message: queue.QueueMessage, event: events.Event
    ) -> bool:
        """Try one message in a savepoint; on failure record it and schedule its retry or dead letter."""
        try:
            with connection.transaction():
                if not queue.delete(connection, [message.msg_id]):
                    return False
                handlers.apply(connection, [event])
                failures.forget(connection, [message])
            return True
        except Exception as error:  # noqa: BLE001 - a failure of any kind is this message's, not the batch's
            if connection.broken:
                raise
            failures.retry_or_dead_letter(
                connection, message, f"{type(error).__name__}: {error}",
                self.settings.consumer_max_attempts,
                (self.settings.consumer_backoff_base_seconds, self.settings.consumer_backoff_cap_seconds),
            )
            return False

    def _count(self, done: list[tuple[queue.QueueMessage, events.Event]]) -> None:
        """Update the counters and metrics once the batch has committed."""
        now = datetime.now(timezone.utc)
        self.processed_count += len(done)
        # One increment per type, not per message: the counters take a lock each time.
        for event_type, count in Counter(message.message["type"] for message, _ in done).items():
            metrics.PROCESSED.labels(type=event_type).inc(count)
        for message, _ in done:
            metrics.LAG_SECONDS.observe((now - message.enqueued_at).total_seconds())

    def _purge_live_events(self, connection: psycopg.Connection) -> None:
        """Forget live events past the replay window, at most every LIVE_EVENTS_PURGE_INTERVAL_SECONDS."""
        if time.monotonic() - self._live_events_purged_at < LIVE_EVENTS_PURGE_INTERVAL_SECONDS:
            return
        self._live_events_purged_at = time.monotonic()
        connection.execute(QUERIES["purge_live_events"],
                           {"keep_seconds": LIVE_EVENTS_KEEP_SECONDS, "limit": LIVE_EVENTS_PURGE_LIMIT})

    def _measure_queue(self, connection: psycopg.Connection) -> None:
        """Refresh the depth and lag gauges, at most every QUEUE_METRICS_INTERVAL_SECONDS."""
        if time.monotonic() - self._metrics_measured_at < QUEUE_METRICS_INTERVAL_SECONDS:
            return
        self._metrics_measured_at = time.monotonic()
        measured = queue.metrics(connection)
        metrics.QUEUE_DEPTH.set(measured.queue_length)
        metrics.OLDEST_MESSAGE_AGE_SECONDS.set(measured.oldest_msg_age_sec or 0)
