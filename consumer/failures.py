"""A failed attempt: count it, keep its error, and retry after a backoff or give up (dead letter)."""

from __future__ import annotations

import logging
import math
import random

import psycopg

from chirp.queries import QUERIES
from consumer import metrics, queue

logger = logging.getLogger("consumer.failures")

# An error message longer than this is cut: the failure record is for reading, not for archives.
ERROR_TEXT_MAX_CHARACTERS = 2000


def backoff_seconds(failures: int, base_seconds: int, cap_seconds: int) -> int:
    """Exponential backoff with jitter, capped: in [d/2, d] for d = min(cap, base * 2**(failures-1))."""
    ceiling = min(cap_seconds, base_seconds * 2 ** min(failures - 1, 32))
    # Half fixed, half random: messages that failed together come back spread out, none sooner than d/2.
    return max(1, math.ceil(ceiling / 2 + random.uniform(0, ceiling / 2)))


def retry_or_dead_letter(
    connection: psycopg.Connection,
    message: queue.QueueMessage,
    error: str,
    max_attempts: int,
    backoff: tuple[int, int],
) -> None:
    """Record a failed attempt; delay the message for its retry, or archive it after `max_attempts`."""
    error = error[:ERROR_TEXT_MAX_CHARACTERS]
    attempts = connection.execute(QUERIES["record_failure"], {"msg_id": message.msg_id, "error": error}).fetchone()[0]
    event_type = message.message.get("type") if isinstance(message.message, dict) else None
    if attempts >= max_attempts:
        queue.archive(connection, message.msg_id)
        metrics.DEAD_LETTERED.inc()
        logger.error("message dead-lettered", extra={
            "msg_id": message.msg_id, "type": event_type, "attempts": attempts, "error": error})
        return
    delay_seconds = backoff_seconds(attempts, *backoff)
    queue.delay(connection, message.msg_id, delay_seconds)
    metrics.RETRIED.inc()
    logger.warning("message failed, will retry", extra={
        "msg_id": message.msg_id, "type": event_type, "attempts": attempts,
        "retry_in_seconds": delay_seconds, "error": error})


def dead_letter_at_once(connection: psycopg.Connection, message: queue.QueueMessage, error: str) -> None:
    """Archive a message that can never succeed (malformed, unknown type), recording why."""
    error = error[:ERROR_TEXT_MAX_CHARACTERS]
    if queue.archive(connection, message.msg_id):
        connection.execute(QUERIES["record_fatal_failure"], {"msg_id": message.msg_id, "error": error})
        metrics.DEAD_LETTERED.inc()
        logger.error("malformed message dead-lettered", extra={"msg_id": message.msg_id, "error": error})


def forget(connection: psycopg.Connection, messages: list[queue.QueueMessage]) -> None:
    """Delete the failure records of messages that succeeded; a first delivery has none to delete."""
    redelivered = [message.msg_id for message in messages if message.read_ct > 1]
    if redelivered:
        connection.execute(QUERIES["clear_failures"], {"msg_ids": redelivered})
