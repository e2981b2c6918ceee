"""Operators' commands: replay dead letters into the queue, and the queue's status."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from chirp.queries import QUERIES
from consumer import queue

# Status shows this many of the most recent dead letters in full; the rest are counted.
STATUS_DEAD_LETTERS_SHOWN = 20
STATUS_ERROR_MAX_CHARACTERS = 200


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    msg_id: int
    message: object
    attempts: int
    last_error: str
    failed_at: datetime


def replay(connection: psycopg.Connection, msg_id: int) -> int | None:
    """Move dead letter `msg_id` back into the queue in one transaction; its new id, or None if absent."""
    with connection.transaction():
        row = connection.execute(
            QUERIES["replay_dead_letter"], {"msg_id": msg_id, "queue_name": queue.QUEUE_NAME}
        ).fetchone()
    return row[0] if row else None


def dead_letter_ids(connection: psycopg.Connection) -> list[int]:
    """The ids of every dead letter, oldest first."""
    with connection.transaction():
        return [msg_id for (msg_id,) in connection.execute(QUERIES["dead_letter_ids"])]


def dead_letters(connection: psycopg.Connection) -> list[DeadLetter]:
    """Every dead letter with its attempts, last error and time, oldest first."""
    with connection.transaction(), connection.cursor(row_factory=class_row(DeadLetter)) as cursor:
        return cursor.execute(QUERIES["list_dead_letters"]).fetchall()


def status_lines(connection: psycopg.Connection) -> list[str]:
    """What `python -m consumer status` prints: depth, oldest age, and the latest dead letters."""
    with connection.transaction():
        measured = queue.metrics(connection)
    letters = dead_letters(connection)
    lines = [
        f"queue {queue.QUEUE_NAME}: {measured.queue_length} message(s)",
        f"oldest message age: {measured.oldest_msg_age_sec if measured.oldest_msg_age_sec is not None else '-'} s",
        f"dead letters: {len(letters)}",
    ]
    for letter in letters[-STATUS_DEAD_LETTERS_SHOWN:]:
        error = letter.last_error.replace("\n", " ")[:STATUS_ERROR_MAX_CHARACTERS]
        lines.append(
            f"  {letter.msg_id}  attempts={letter.attempts}  failed_at={letter.failed_at.isoformat()}"
            f"  message={json.dumps(letter.message)[:120]}  error={error}"
        )
    return lines
