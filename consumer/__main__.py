"""`python -m consumer [run [--drain]] | replay MSG_ID... | replay --all | status`.

Signals are wired here only: the first SIGTERM or SIGINT lets the worker finish and commit the
batch in hand, then exit 0; a second exits at once (uncommitted messages come back after their
visibility timeout). The workers (`CONSUMER_CONCURRENCY`, each with its own connections) run in
threads of their own because Python runs signal handlers in the main thread only, and only between
bytecodes: a main thread blocked in a database call could not honour the second signal until the
call returned. They share one stop event, so a signal stops them all.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

import psycopg

from chirp import logs
from chirp.settings import ConfigurationError, Settings
from chirp.startup import configuration_failure, settings_or_exit
from consumer import dead_letters, metrics
from consumer.worker import Worker

logger = logging.getLogger("consumer")

# How often the main thread wakes while waiting for the worker thread (signals interrupt it anyway).
MAIN_THREAD_WAKE_SECONDS = 0.2


def parse_arguments(arguments: list[str]) -> argparse.Namespace:
    """The command line: a command (default run) and its arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m consumer",
        description="Consume the events queue (the default), replay dead letters, or print the queue's status.")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="consume the events queue (the default)")
    run.add_argument("--drain", action="store_true", help="exit 0 once no message is visible")
    replay = commands.add_parser("replay", help="move dead letters back into the queue")
    replay.add_argument("msg_ids", nargs="*", type=int, metavar="MSG_ID")
    replay.add_argument("--all", action="store_true", help="replay every dead letter")
    commands.add_parser("status", help="print queue depth, oldest message age and dead letters")
    namespace = parser.parse_args(arguments)
    if namespace.command == "replay" and bool(namespace.msg_ids) == namespace.all:
        parser.error("replay takes MSG_ID... or --all")
    return namespace


def install_signal_handlers(workers: list[Worker]) -> None:
    """SIGTERM or SIGINT: the first stops every worker after its batch, a second ends the process now."""

    def on_signal(signal_number: int, _frame) -> None:
        if workers[0].stopping.is_set():
            os._exit(128 + signal_number)
        logger.info("stopping after the batch in hand", extra={"signal": signal.Signals(signal_number).name})
        stop_all(workers)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def stop_all(workers: list[Worker]) -> None:
    """Set the workers' shared stop event and wake each one from its wait."""
    for worker in workers:
        worker.stop()


def run(settings: Settings, drain: bool) -> int:
    """Consume with CONSUMER_CONCURRENCY workers until a signal (or, with `drain`, until the queue
    is empty); 0 on a clean stop, 1 when a worker crashed (the others then stop after their batch)."""
    stopping = threading.Event()
    workers = [Worker(settings, stopping=stopping) for _ in range(settings.consumer_concurrency)]
    install_signal_handlers(workers)
    metrics.serve(settings.consumer_metrics_port)
    logger.info("consumer started", extra={
        "batch_size": settings.consumer_batch_size,
        "concurrency": settings.consumer_concurrency,
        "visibility_timeout_seconds": settings.consumer_visibility_timeout_seconds,
        "max_attempts": settings.consumer_max_attempts})
    crashes: list[BaseException] = []
    threads = [
        threading.Thread(target=_run_worker, args=(worker, drain, workers, crashes), name=f"worker-{number}")
        for number, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Joined with a timeout, so that the main thread keeps running signal handlers.
        while thread.is_alive():
            thread.join(MAIN_THREAD_WAKE_SECONDS)
    if crashes:
        return 1
    logger.info("consumer stopped", extra={"processed": sum(worker.processed_count for worker in workers)})
    return 0


def _run_worker(worker: Worker, drain: bool, workers: list[Worker], crashes: list[BaseException]) -> None:
    """A worker thread's body: run; on a crash, log it, note it in `crashes` and stop the other workers."""
    try:
        worker.run(drain=drain)
    except Exception as error:  # noqa: BLE001 - reported by the exit status and the log line
        logger.exception("consumer crashed")
        crashes.append(error)
        stop_all(workers)


def replay(settings: Settings, msg_ids: list[int], replay_all: bool) -> int:
    """Replay the given dead letters (or all), one transaction each; 1 if any was not found."""
    missing = 0
    with psycopg.connect(settings.database_url) as connection:
        for msg_id in dead_letters.dead_letter_ids(connection) if replay_all else msg_ids:
            new_msg_id = dead_letters.replay(connection, msg_id)
            if new_msg_id is None:
                missing += 1
                print(f"{msg_id}: no such dead letter", file=sys.stderr)
            else:
                print(f"{msg_id}: replayed as message {new_msg_id}")
    return 1 if missing else 0


def status(settings: Settings) -> int:
    """Print the queue's depth, oldest message age and dead letters."""
    with psycopg.connect(settings.database_url) as connection:
        print("\n".join(dead_letters.status_lines(connection)))
    return 0


def main(arguments: list[str]) -> int:
    """Dispatch the command; configuration and database errors end it with 1 and a readable line."""
    namespace = parse_arguments(arguments)
    logs.configure()
    settings = settings_or_exit("python -m consumer")
    try:
        if namespace.command == "replay":
            return replay(settings, namespace.msg_ids, namespace.all)
        if namespace.command == "status":
            return status(settings)
        return run(settings, drain=getattr(namespace, "drain", False))
    except ConfigurationError as error:
        configuration_failure("python -m consumer", error)
    except psycopg.OperationalError as error:
        logger.error("consumer command failed", extra={"error": str(error).strip().splitlines()[0]})
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
