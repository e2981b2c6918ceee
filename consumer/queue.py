"""The pgmq calls the consumer makes, each on the caller's connection (and so in its transaction)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from chirp.events_queue import QUEUE_NAME
from chirp.queries import QUERIES


@dataclasses.dataclass(frozen=True)
class QueueMessage:
    """A message as pgmq.read returns it; `read_ct` counts deliveries, not failures."""

    msg_id: int
    read_ct: int
    enqueued_at: datetime
    vt: datetime
    message: Any


@dataclasses.dataclass(frozen=True)
class QueueMetrics:
    queue_length: int
    oldest_msg_age_sec: int | None
    newest_msg_age_sec: int | None
    total_messages: int


def read(
    connection: psycopg.Connection, visibility_timeout_seconds: int, quantity: int
) -> list[QueueMessage]:
    """Up to `quantity` visible messages, hidden from other readers for the visibility timeout."""
    parameters = {
        "queue_name": QUEUE_NAME,
        "visibility_timeout_seconds": visibility_timeout_seconds,
        "quantity": quantity,
    }
    with connection.cursor(row_factory=class_row(QueueMessage)) as cursor:
        return cursor.execute(QUERIES["read_messages"], parameters).fetchall()


def delete(connection: psycopg.Connection, msg_ids: list[int]) -> set[int]:
    """Delete messages; returns those this call deleted, i.e. the ones this transaction now owns."""
    rows = connection.execute(QUERIES["delete_messages"], {"queue_name": QUEUE_NAME, "msg_ids": msg_ids})
    return {msg_id for (msg_id,) in rows}


def delay(connection: psycopg.Connection, msg_id: int, delay_seconds: int) -> None:
    """Hide a message for `delay_seconds` (pgmq 1.5.1's set_vt takes whole seconds)."""
    parameters = {"queue_name": QUEUE_NAME, "msg_id": msg_id, "delay_seconds": delay_seconds}
    connection.execute(QUERIES["delay_message"], parameters)


def archive(connection: psycopg.Connection, msg_id: int) -> bool:
    """Move a message to the archive; false when it is no longer in the queue."""
    parameters = {"queue_name": QUEUE_NAME, "msg_id": msg_id}
    return bool(connection.execute(QUERIES["archive_message"], parameters).fetchone()[0])


def metrics(connection: psycopg.Connection) -> QueueMetrics:
    """Depth and message ages of the queue."""
    with connection.cursor(row_factory=class_row(QueueMetrics)) as cursor:
        return cursor.execute(QUERIES["queue_metrics"], {"queue_name": QUEUE_NAME}).fetchone()


def listen(connection: psycopg.Connection) -> None:
    """Subscribe `connection` (in autocommit) to the queue's insert notifications."""
    connection.execute(QUERIES["listen_events"])
