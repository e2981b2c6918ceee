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
from api.live.leases import Leases
from api.live.revocation import CHECK_SECONDS, Revocation
from api.live.visibility import RELATION_KINDS, SUSPENSION_KINDS, Visibility
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

    def __init__(self, user_id: uuid.UUID | None, followees: Iterable[uuid.UUID] = (), sock=None,
                 session_id: uuid.UUID | None = None, lease_id: uuid.UUID | None = None,
                 reader_id: uuid.UUID | None = None):
        """A user's stream (`user_id`, with their token's session and the stream's lease), or the
        public one (None) read anonymously or by `reader_id`, whose blocks and mutes it then
        honours; `sock` is shut if it is dropped."""
        self.user_id = user_id
        self.session_id = session_id
        self.lease_id = lease_id
        self.reader_id = user_id if user_id is not None else reader_id
        # Who the reader may not see; the hub shares its suspended users with it once registered.
        self.visibility = Visibility(self.reader_id, set())
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
        if any(self.visibility.hides(user_id) for user_id in event.shows):
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

    def frame(self, event: LiveEvent) -> bytes:
        """The frame of a wanted event for this reader: without its quote when they may not see the quoted author."""
        if event.unquoted_frame is not None and self.visibility.hides(event.quoted_user_id):
            return event.unquoted_frame
        return event.frame

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

    def end(self) -> None:
        """End the stream after what it was already given (shutdown, a revoked session)."""
        self.dropped = True
        try:
            self.buffer.put_nowait(CLOSE)
        except queue.Full:
            self.drop()

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
        # Streams by whose blocks and mutes they honour; the users no stream may show (all streams').
        self.by_reader: dict[uuid.UUID, set[Stream]] = collections.defaultdict(set)
        self.suspended: set[uuid.UUID] = set()
        self.garbage: garbage.StreamGarbage | None = None
        self.leases = Leases()
        self.revocation = Revocation()

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
            if stream.reader_id is not None:
                self.by_reader[stream.reader_id].add(stream)
            stream.visibility.suspended = self.suspended
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
            if stream.reader_id is not None:
                _discard(self.by_reader, stream.reader_id, stream)
        STREAMS_OPEN.dec()

    def add_relations(self, stream: Stream, blocking, blocked_by, muting) -> None:
        """Give a registered stream its reader's blocks and mutes, as the database has them."""
        with self.lock:
            stream.visibility.add(blocking, blocked_by, muting)

    def shutdown(self) -> None:
        """End every open stream (the worker is stopping) and the listener."""
        self.closing.set()
        with self.lock:
            streams = set(self.public).union(*self.by_user.values())
        for stream in streams:
            stream.end()

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
            # Read after the id: a suspension committed meanwhile comes as an event too.
            suspended = {row["id"] for row in connection.execute(QUERIES["suspended_user_ids"])}
            with self.lock:
                self.suspended.update(suspended)
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
            self._upkeep(connection)
            for _ in connection.notifies(timeout=min(poll_seconds, CHECK_SECONDS), stop_after=1):
                pass

    def _upkeep(self, connection: psycopg.Connection) -> None:
        """Keep this process's streams counted, and end those whose user or session is gone."""
        self.leases.refresh_if_due(connection)
        if not self.revocation.due():
            return
        with self.lock:
            streams = set().union(*self.by_user.values())
        ended = self.revocation.ended(connection, ((stream.user_id, stream.session_id) for stream in streams))
        for stream in streams:
            if (stream.user_id, stream.session_id) in ended:
                logger.info("ended a stream whose user or session is gone", extra={"user_id": str(stream.user_id)})
                stream.end()

    def dispatch(self, event: LiveEvent) -> None:
        """Offer `event` to every stream entitled to it; follows and unfollows update the indexes."""
        if event.kind in ("follow", "unfollow"):
            self._refollow(event)
            return
        if event.kind in RELATION_KINDS:
            self._relate(event)
            return
        if event.kind in SUSPENSION_KINDS:
            self._suspend(event)
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

    def _relate(self, event: LiveEvent) -> None:
        """A block or mute, made or undone, applies at once to the streams of both users concerned."""
        with self.lock:
            for reader in (event.user_id, event.target_id):
                for stream in self.by_reader.get(reader, ()):
                    stream.visibility.apply(event)

    def _suspend(self, event: LiveEvent) -> None:
        """A suspended user's tweets leave every stream and their own streams end; reinstated, back."""
        with self.lock:
            if event.kind == "reinstate":
                self.suspended.discard(event.user_id)
                return
            self.suspended.add(event.user_id)
            ended = set(self.by_reader.get(event.user_id, ()))
        for stream in ended:
            stream.end()
        if ended:
            logger.info("ended the streams of a suspended user", extra={"user_id": str(event.user_id),
                                                                          "streams": len(ended)})


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
