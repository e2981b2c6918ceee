"""One listening connection per web process, its live events fanned out in memory to the open streams.

The consumer appends rows to `public.live_events` in the transaction that commits what they
describe, and NOTIFYs 'live_events' (ids come in commit order: see the migration). Each web process
runs one `Hub`: a greenlet (a thread without gevent) that LISTENs on a connection of its own, reads
the rows after the last id it has seen, renders each event once as a Server-Sent-Events frame,
and offers it to the streams entitled to it, found by index (by recipient, by followed author).
Offering never waits: a stream whose buffer is full (its client stopped reading) is dropped and its
socket shut, so one slow client delays nobody.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterable

import gevent
import gevent.monkey
import psycopg
from prometheus_client import Gauge
from psycopg.rows import dict_row

from api.live import garbage_collection as garbage
from api.live.events import LiveEvent, read_events
from chirp import connections
from chirp.queries import QUERIES
from chirp.settings import Settings

logger = logging.getLogger("api.live.hub")
# Where init_app keeps the hub in `app.extensions`; `of(app)` reads it.
EXTENSION = "live_hub"

# Frames buffered per stream before its client counts as too slow and the stream is dropped.
STREAM_BUFFER_FRAMES = 512
# Tweets a stream remembers having shown, so that their deletion reaches it after an unfollow.
SHOWN_TWEETS_REMEMBERED = 1000
# The listener also reads without a notification this often: after a reconnect, or behind a
# transaction-mode pooler (DATABASE_PREPARED_STATEMENTS=false), where LISTEN cannot work.
LISTEN_POLL_SECONDS = 5.0
POOLER_POLL_SECONDS = 0.2
RECONNECT_DELAY_SECONDS = 1.0
# How long a first stream waits for the listener to be ready before the request gets a 503.
READY_WAIT_SECONDS = 5.0
# Put in a stream's buffer to end it (shutdown, slow client).
CLOSE = object()

STREAMS_OPEN = Gauge("live_streams_open", "Server-Sent-Events streams open", multiprocess_mode="livesum")


class Stream:
    """One open stream: its reader, what it may be sent, and the buffer its frames wait in."""

    def __init__(self, user_id: uuid.UUID | None, followees: Iterable[uuid.UUID] = (), sock=None):
        """A user's stream (`user_id`), or the public one (None); `sock` is shut if it is dropped."""
        self.user_id = user_id
        self.followees = set(followees)
        self.buffer: queue.Queue = queue.Queue(STREAM_BUFFER_FRAMES)
        self.shown: collections.OrderedDict[uuid.UUID, None] = collections.OrderedDict()
        self.last_id = 0
        self.dropped = False
        self.registered = False
        self.sock = sock
        self.sender = None

    def authors(self) -> set[uuid.UUID]:
        """Whose tweets this user stream carries: the user's own and their followees'."""
        return {self.user_id, *self.followees}

    def wants(self, event: LiveEvent) -> bool:
        """Whether this stream's reader may and should see `event`: the one rule, live and on replay."""
        if event.frame is None:
            return False
        if self.user_id is None:
            return event.kind in ("tweet", "delete")
        if event.kind == "notification":
            return event.user_id == self.user_id
        if event.kind in ("tweet", "repost"):
            # A repost's user is the reposter: their followers' streams carry it, as their timelines do.
            return event.user_id in self.authors()
        if event.kind == "delete":
            return event.user_id in self.authors() or event.tweet_id in self.shown
        return False

    def sent(self, event: LiveEvent) -> None:
        """Note that `event` went out: ids only move forward, and shown tweets are remembered."""
        self.last_id = event.id
        if event.kind in ("tweet", "repost"):
            self.shown[event.tweet_id] = None
            if len(self.shown) > SHOWN_TWEETS_REMEMBERED:
                self.shown.popitem(last=False)

    def offer(self, event) -> bool:
        """Buffer a frame without waiting; false (and the stream dropped) when the buffer is full."""
        try:
            self.buffer.put_nowait(event)
            return True
        except queue.Full:
            self.drop()
            return False

    def drop(self) -> None:
        """End the stream: its generator stops, and a send blocked on a client that reads nothing ends."""
        self.dropped = True
        if self.sender is not None:
            # GreenletExit in the blocked send: gunicorn's gevent worker takes it as a quiet end.
            self.sender.kill(block=False)
        elif self.sock is not None:
            try:
                self.sock.shutdown(2)  # socket.SHUT_RDWR: without gevent, the blocked send fails
            except OSError:
                pass

    def note_sender(self) -> None:
        """Remember the greenlet that sends this stream (under gevent's workers), to end it if dropped."""
        if gevent.monkey.is_module_patched("socket"):
            self.sender = gevent.getcurrent()


class Hub:
    """The process's listener and its open streams, indexed by who receives what."""

    def __init__(self, settings: Settings):
        """Nothing is started until the first stream opens."""
        self.settings = settings
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.closing = threading.Event()
        self.listener: threading.Thread | None = None
        self.last_id: int | None = None
        self.public: set[Stream] = set()
        self.by_user: dict[uuid.UUID, set[Stream]] = collections.defaultdict(set)
        self.by_author: dict[uuid.UUID, set[Stream]] = collections.defaultdict(set)
        self.garbage: garbage.StreamGarbage | None = None

    def open(self, stream: Stream) -> bool:
        """Register `stream`; false when the listener is not ready within READY_WAIT_SECONDS."""
        self._start()
        if not self.ready.wait(READY_WAIT_SECONDS):
            return False
        with self.lock:
            if stream.user_id is None:
                self.public.add(stream)
            else:
                self.by_user[stream.user_id].add(stream)
                for author in stream.authors():
                    self.by_author[author].add(stream)
            stream.registered = True
        STREAMS_OPEN.inc()
        self.garbage.stream_opened()
        return True

    def close(self, stream: Stream) -> None:
        """Forget `stream`; safe to call twice."""
        with self.lock:
            if not stream.registered:
                return
            stream.registered = False
            self.public.discard(stream)
            if stream.user_id is not None:
                _discard(self.by_user, stream.user_id, stream)
                for author in stream.authors():
                    _discard(self.by_author, author, stream)
        STREAMS_OPEN.dec()

    def shutdown(self) -> None:
        """End every open stream (the worker is stopping) and the listener."""
        self.closing.set()
        with self.lock:
            streams = set(self.public).union(*self.by_user.values())
        for stream in streams:
            stream.dropped = True
            try:
                stream.buffer.put_nowait(CLOSE)
            except queue.Full:
                stream.drop()

    def _start(self) -> None:
        """Start the listener once per process."""
        with self.lock:
            if self.listener is None:
                self.garbage = garbage.StreamGarbage()
                self.listener = threading.Thread(target=self._run, name="live-listener", daemon=True)
                self.listener.start()

    def _run(self) -> None:
        """Listen, reconnecting whenever the connection is lost, until shutdown."""
        while not self.closing.is_set():
            try:
                with self._connect() as connection:
                    self._listen(connection)
            except psycopg.Error as error:
                logger.warning("live listener lost its connection", extra={"error": str(error)})
                self.closing.wait(RECONNECT_DELAY_SECONDS)

    def _connect(self) -> psycopg.Connection:
        """The listener's own autocommit connection (never a pooled one: it stays in LISTEN)."""
        return psycopg.connect(self.settings.database_url, **connections.connection_options(
            self.settings.prepared_statements, autocommit=True, row_factory=dict_row))

    def _listen(self, connection: psycopg.Connection) -> None:
        """Read and dispatch new events whenever notified (or polled), from the last id seen."""
        connection.execute(QUERIES["listen_live_events"])
        if self.last_id is None:
            self.last_id = connection.execute(QUERIES["newest_live_event_id"]).fetchone()["id"]
        self.ready.set()
        poll_seconds = LISTEN_POLL_SECONDS if self.settings.prepared_statements else POOLER_POLL_SECONDS
        while not self.closing.is_set():
            for event in read_events(connection, self.last_id):
                self.last_id = event.id
                self.dispatch(event)
                # Let the streams send what they were just given before the next event: a backlog
                # read at once (up to READ_BATCH_ROWS) must not fill the buffers of clients that do
                # read. Under gevent this is a yield to the other greenlets.
                time.sleep(0)
            for _ in connection.notifies(timeout=poll_seconds, stop_after=1):
                pass

    def dispatch(self, event: LiveEvent) -> None:
        """Offer `event` to every stream entitled to it; follows and unfollows update the indexes."""
        if event.kind in ("follow", "unfollow"):
            self._refollow(event)
            return
        with self.lock:
            if event.kind == "notification":
                candidates = set(self.by_user.get(event.user_id, ()))
            elif event.kind == "tweet":
                candidates = self.public | self.by_author.get(event.user_id, set())
            elif event.kind == "repost":
                candidates = set(self.by_author.get(event.user_id, ()))
            else:  # a deletion may concern any stream that showed the tweet
                candidates = set(self.public).union(*self.by_user.values())
        for stream in candidates:
            if stream.wants(event) and not stream.offer(event):
                logger.info("dropped a stream whose client is not reading",
                            extra={"user_id": str(stream.user_id) if stream.user_id else None})
                self.close(stream)

    def _refollow(self, event: LiveEvent) -> None:
        """A follow starts a followee's tweets flowing on the follower's streams; an unfollow stops them."""
        with self.lock:
            for stream in self.by_user.get(event.user_id, ()):
                if event.kind == "follow":
                    stream.followees.add(event.followee_id)
                    self.by_author[event.followee_id].add(stream)
                elif event.followee_id != stream.user_id:
                    stream.followees.discard(event.followee_id)
                    _discard(self.by_author, event.followee_id, stream)


def _discard(index: dict[uuid.UUID, set[Stream]], key: uuid.UUID, stream: Stream) -> None:
    """Remove `stream` from `index[key]`, and the key once no stream is left under it."""
    streams = index.get(key)
    if streams is not None:
        streams.discard(stream)
        if not streams:
            del index[key]


def init_app(app, settings: Settings) -> Hub:
    """Attach this process's hub to `app` (one per gunicorn worker: workers build the app after fork)."""
    hub = Hub(settings)
    app.extensions[EXTENSION] = hub
    return hub


def of(app) -> Hub | None:
    """The hub attached to `app`, or None before `init_app` (a worker stopped while it loads)."""
    return getattr(app, "extensions", {}).get(EXTENSION)
