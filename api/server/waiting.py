"""How a web worker's queries wait for their socket: on gevent's own event loop, one watcher per wait.

Under gevent's monkey patching psycopg chooses its `wait_poll`, over the patched `select.poll`,
which gevent emulates in Python: a set of watchers, a result object and a timeout for every call,
about a tenth of a worker's CPU per `POST /tweets` (py-spy). `wait` here starts one io watcher for
what psycopg waits for and tells it which of reading and writing are ready, as psycopg's own wait
functions do; psycopg's wait still serves a wait with a deadline (a query's cancellation).

In pipeline mode psycopg waits to write before each command it sends, and a database socket almost
always has room: such a wait asks the socket first (one `poll` that does not block) and goes
through the event loop only when it must wait.
"""

from __future__ import annotations

import select

from gevent import monkey
from gevent.hub import Waiter, get_hub
from psycopg import waiting

# gevent's io events, read 1 and write 2, are the bits of psycopg's Wait and Ready.
READ, WRITE, READ_AND_WRITE = 1, 2, 3
_psycopg_wait = waiting.wait
# The standard library's poll, which gevent's monkey patching hides: it answers at once, with timeout 0.
_unpatched_poll = monkey.get_original("select", "poll")
POLL_EVENTS = {READ: select.POLLIN, WRITE: select.POLLOUT, READ_AND_WRITE: select.POLLIN | select.POLLOUT}


def wait(generator, fileno: int, interval: float | None = 0.0, timeout: float | None = None):
    """Run psycopg's `generator` on socket `fileno` to its end, waiting cooperatively; its result."""
    if timeout is not None:
        return _psycopg_wait(generator, fileno, interval=interval, timeout=timeout)
    hub = get_hub()
    try:
        waiting_for = next(generator)
        while True:
            waiting_for = generator.send(_ready(hub, fileno, int(waiting_for)))
    except StopIteration as finished:
        return finished.value


def _ready(hub, fileno: int, events: int) -> int:
    """Wait until the socket is ready for some of `events`; which of reading and writing are."""
    if events & WRITE:
        ready = _ready_now(fileno, events)
        if ready:
            return ready
    watcher = hub.loop.io(fileno, events)
    waiter = Waiter(hub)
    watcher.start(waiter.switch, pass_events=True)
    try:
        # An error event alone: say both, and psycopg's next read or write meets the error.
        return (waiter.get() & READ_AND_WRITE) or READ_AND_WRITE
    finally:
        watcher.stop()
        watcher.close()


def _ready_now(fileno: int, events: int) -> int:
    """Which of `events` the socket is ready for now, without waiting (0: none)."""
    poller = _unpatched_poll()
    poller.register(fileno, POLL_EVENTS[events])
    ready = 0
    for _, polled in poller.poll(0):
        if polled & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
            return READ_AND_WRITE  # psycopg's next read or write meets the error
        ready |= (READ if polled & select.POLLIN else 0) | (WRITE if polled & select.POLLOUT else 0)
    return ready & events


def install() -> None:
    """Make every psycopg connection of this (gevent) process wait with `wait`."""
    waiting.wait = wait
