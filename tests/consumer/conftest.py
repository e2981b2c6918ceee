"""Fixtures of the consumer's tests: a Worker on the test's database, and real consumer processes."""

from __future__ import annotations

import pytest

from chirp.settings import Settings
from consumer.worker import Worker
from tests.helpers.consumer_process import TEST_ENVIRONMENT, ConsumerProcess
from tests.helpers.waiting import free_port


@pytest.fixture
def settings(database_url) -> Settings:
    """The consumer's settings for this test's database, with the tests' short timeouts."""
    return Settings.from_environment({**TEST_ENVIRONMENT, "DATABASE_URL": database_url})


@pytest.fixture
def drain(settings):
    """Process every visible message in this process and return how many were handled."""

    def drain_queue() -> int:
        return Worker(settings).run(drain=True)

    return drain_queue


@pytest.fixture
def consumers(database_url):
    """Start real `python -m consumer` processes; any still running at the end are killed."""
    started: list[ConsumerProcess] = []

    def start(*arguments: str, **environment: str) -> ConsumerProcess:
        process = ConsumerProcess(database_url, arguments, **environment)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.close()


@pytest.fixture
def unused_port() -> int:
    """A TCP port nobody listens on right now."""
    return free_port()
