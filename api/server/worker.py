"""The web process's gunicorn worker: gevent's, ending its open streams as soon as it is told to stop.

Without this, a stopping worker would wait out its graceful timeout for streams that never end by
themselves; clients reconnect (with Last-Event-ID) to a worker that runs. It also gives a new
connection's first request gunicorn's `timeout` to arrive, not `keepalive`'s two seconds, and
leaves new connections to a worker that holds fewer (api.server.balancing).
"""

from __future__ import annotations

import sys
import weakref

import gevent
from gevent.server import StreamServer
from gunicorn.workers import ggevent
from gunicorn.workers.ggevent import GeventWorker

from api.server import balancing
from api.server import waiting as cooperative_waiting


class BalancedStreamServer(StreamServer):
    """gevent's server, stepping back from a pending connection that a less busy worker should take."""

    # The worker's balancer, in its own process (None: accept as gevent does).
    balancer: balancing.Balancer | None = None

    def _do_read(self):
        """Accept, unless stepping back: then look again in a moment, as gevent does after an accept error."""
        if self.balancer is not None and self.balancer.step_back():
            self.stop_accepting()
            self._timer = self.loop.timer(balancing.STEP_BACK_SECONDS)
            self._timer.start(self._start_accepting_if_started)
            return
        super()._do_read()

    def do_read(self):
        """Accept one connection, counted from the moment it is accepted (its greenlet starts later)."""
        accepted = super().do_read()
        if accepted and self.balancer is not None:
            self.balancer.opened()
        return accepted


# gunicorn's gevent worker builds its servers from this name.
ggevent.StreamServer = BalancedStreamServer


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
        # Given by the arbiter before the fork (api.server.gunicorn_config's pre_fork).
        board, slot = getattr(self, "balancing_board", None), getattr(self, "balancing_slot", None)
        if board is not None and slot is not None:
            BalancedStreamServer.balancer = balancing.Balancer(board, slot)
        super().init_process()

    def handle(self, listener, client, address):
        """Serve one connection; it is no longer counted once it ends."""
        try:
            super().handle(listener, client, address)
        finally:
            if BalancedStreamServer.balancer is not None:
                BalancedStreamServer.balancer.closed()

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
        self._leave_balancing()
        super().handle_exit(sig, frame)
        gevent.spawn(self._end_streams)

    def handle_quit(self, sig, frame):
        """Quick stop: the streams end too."""
        self._leave_balancing()
        super().handle_quit(sig, frame)
        gevent.spawn(self._end_streams)

    def _leave_balancing(self) -> None:
        """A stopping worker accepts no more: the others must not leave connections to it."""
        if BalancedStreamServer.balancer is not None:
            BalancedStreamServer.balancer.leave()

    def _end_streams(self) -> None:
        """Tell the application's live hub to end its streams."""
        # A worker told to stop while it still loads the application has no `wsgi` yet.
        application = getattr(self, "wsgi", None)
        if application is not None:
            import api

            api.end_streams(application)
