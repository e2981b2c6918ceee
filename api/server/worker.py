"""The web process's gunicorn worker: gevent's, ending its open streams as soon as it is told to stop.

Without this, a stopping worker would wait out its graceful timeout for streams that never end by
themselves; clients reconnect (with Last-Event-ID) to a worker that runs. It also gives a new
connection's first request gunicorn's `timeout` to arrive, not `keepalive`'s two seconds.
"""

from __future__ import annotations

import sys
import weakref

import gevent
from gunicorn.workers.ggevent import GeventWorker

from api.server import waiting as cooperative_waiting


class StreamingGeventWorker(GeventWorker):
    """gunicorn's gevent worker, which also closes the application's live streams on SIGTERM/SIGINT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The greenlets (one per connection) that have answered a request: their next one is a keep-alive's.
        self._answered = weakref.WeakSet()

    def timeout_ctx(self):
        """How long a connection's next request may take to arrive: `keepalive` after a first answer,
        `timeout` (30 s) before it.

        gunicorn's gevent worker waits `keepalive` (2 s) for every request, the first included, and
        then closes the connection without a word. A burst that keeps the worker busy longer than
        that (1,000 requests at once on a loaded machine) had every connection it had accepted but
        not yet read closed unanswered ("server disconnected without sending a response"), though
        their requests had been sent at once. A client that connects and sends nothing is still
        closed, after `timeout`.
        """
        answered = gevent.getcurrent() in self._answered
        return gevent.Timeout(self.cfg.keepalive if answered else self.cfg.timeout, False)

    def init_process(self):
        """Refuse to start if psycopg waits in C (imported before gevent's patching): it would block.

        Then make queries wait on gevent's loop directly (api.server.waiting), not through its
        emulation of `select.poll`.
        """
        waiting = sys.modules.get("psycopg.waiting")
        if waiting is not None and waiting.wait is getattr(waiting, "wait_c", None):
            raise RuntimeError(
                "psycopg was imported before gevent patched the standard library, so every query would "
                "block the whole worker: api.server.gunicorn_config must patch before anything imports psycopg")
        cooperative_waiting.install()
        super().init_process()

    def handle_request(self, listener_name, request, client, address):
        """Answer one request, then let every other ready greenlet run before this connection's next.

        A keep-alive client whose next request is already waiting never blocks on its socket, so
        without this yield its greenlet would answer request after request while the others wait.
        """
        try:
            return super().handle_request(listener_name, request, client, address)
        finally:
            self._answered.add(gevent.getcurrent())
            gevent.sleep(0)

    def handle_exit(self, sig, frame):
        """Stop as usual, and end every open stream (in a greenlet: this runs in a signal handler)."""
        super().handle_exit(sig, frame)
        gevent.spawn(self._end_streams)

    def handle_quit(self, sig, frame):
        """Quick stop: the streams end too."""
        super().handle_quit(sig, frame)
        gevent.spawn(self._end_streams)

    def _end_streams(self) -> None:
        """Tell the application's live hub to end its streams."""
        # A worker told to stop while it still loads the application has no `wsgi` yet.
        application = getattr(self, "wsgi", None)
        if application is not None:
            import api

            api.end_streams(application)
