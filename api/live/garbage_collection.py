"""CPython's cyclic garbage collector, kept from pausing a worker that holds thousands of streams.

An open stream is about 64 objects the collector tracks (request, environ, buffer, greenlet...), and
a full collection walks every tracked object: with 5,000 streams open, one took 300 to 600 ms, during
which the worker answered nothing (measured with `python -m bench stream_bench`). Objects that live
for as long as the process (the application) or a stream are frozen, so collections skip them:
`gc.freeze()` after the worker has loaded the application, and again after every
FREEZE_AFTER_NEW_STREAMS streams opened. Frozen objects are still freed by reference counting when a
stream closes; only cycles among them would wait, so every THAW_SECONDS everything is thawed and the
next full collection reclaims them (one long pause then, instead of one every few seconds).
"""

from __future__ import annotations

import gc
import threading
import time

FREEZE_AFTER_NEW_STREAMS = 256
THAW_SECONDS = 600.0


class StreamGarbage:
    """Counts opened streams and freezes what lives long; thaws now and then so cycles are reclaimed."""

    def __init__(self):
        """Freeze what exists now: the loaded application lives as long as the process."""
        self.lock = threading.Lock()
        self.opened_since_freeze = 0
        self.thawed_at = time.monotonic()
        gc.freeze()

    def stream_opened(self) -> None:
        """Note one more open stream; freeze once enough have opened since the last time."""
        with self.lock:
            self.opened_since_freeze += 1
            if self.opened_since_freeze < FREEZE_AFTER_NEW_STREAMS:
                return
            self.opened_since_freeze = 0
            if time.monotonic() - self.thawed_at > THAW_SECONDS:
                gc.unfreeze()  # the next full collection walks everything once, and frees old cycles
                self.thawed_at = time.monotonic()
                return
        gc.collect(1)  # the young garbage goes now, so that little of it is frozen
        gc.freeze()
