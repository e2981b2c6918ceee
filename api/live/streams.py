"""Live updates over Server-Sent Events: the caller's stream, the public stream, and stream tickets.

Everything a stream needs from the database (the ticket, the followees, a replay) is read before or
between frames in short transactions: an open stream holds no pooled connection. Its frames come
from the process's `live.Hub`. A user stream ends when its token stops being accepted (its `exp`
plus the clock leeway the API allows), and within a few seconds of its user's deletion or its
session's end (`api.live.revocation`); one user holds at most `leases.MAX_STREAMS_PER_USER` open at
once across every process (`api.live.leases`). A comment line every HEARTBEAT_SECONDS keeps idle
connections open through proxies.
"""

from __future__ import annotations

import hashlib
import queue
import re
import secrets
import socket
import time
import uuid
from collections.abc import Iterator

import flask
import psycopg
import psycopg_pool

from api.caller.database import Database, get_database
from api.caller.tokens import LEEWAY_SECONDS, current_identity, require_user
from api.http.errors import ApiError, BadRequest, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized
from api.live import hub as live
from api.live.events import LiveEvent, read_events
from api.live.leases import LEASE_SECONDS, MAX_STREAMS_PER_USER
from api.live.revocation import session_of
from chirp.queries import QUERIES

blueprint = flask.Blueprint("streams", __name__)

TICKET_LIFETIME_SECONDS = 30
HEARTBEAT_SECONDS = 10.0
# What a browser's EventSource waits before reconnecting on its own (the SSE `retry:` field).
RECONNECT_MILLISECONDS = 2000
# Our ids are decimal row ids; a longer or other Last-Event-ID is not one of ours.
EVENT_ID = re.compile(r"[0-9]{1,18}")
TICKET = re.compile(r"[A-Za-z0-9_-]{20,100}")
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# The kernel's send buffer of a stream's socket (it doubles it). Left to autotuning, it grows to
# megabytes for a client that stops reading, before our own buffer (live.STREAM_BUFFER_FRAMES) fills
# and drops it; bounded, thousands of streams cannot hold much kernel memory between them.
STREAM_SEND_BUFFER_BYTES = 64 * 1024
SUSPENDED = "your account is suspended: no live updates"


@blueprint.post("/stream/tickets")
def issue_ticket():
    """A single-use ticket for one GET /stream within 30 s, so a browser's URL never holds its token."""
    identity = require_user()
    ticket = secrets.token_urlsafe(32)
    with get_database().owner_transaction() as connection:
        if connection.execute(QUERIES["stream_reader"], {"user_id": identity.user_id}).fetchone()["suspended"]:
            raise Forbidden(SUSPENDED)
        connection.execute(QUERIES["issue_stream_ticket"], {
            "ticket_hash": _ticket_hash(ticket),
            "user_id": identity.user_id,
            "session_id": session_of(identity.claims),
            "token_expires_at": identity.claims["exp"],
            "lifetime_seconds": TICKET_LIFETIME_SECONDS,
        })
    return {"ticket": ticket, "expires_in": TICKET_LIFETIME_SECONDS}, 201


@blueprint.get("/stream")
def user_stream():
    """The caller's notifications, their timeline's new tweets and deletions, live."""
    user_id, session_id, expires_at = _stream_caller()
    resume_after = _last_event_id()
    hub = live.of(flask.current_app)
    lease_id, followees = _counted_start(hub, user_id)
    stream = live.Stream(user_id, followees, sock=_client_socket(), session_id=session_id, lease_id=lease_id)
    try:
        return _respond(stream, resume_after, expires_at + LEEWAY_SECONDS)
    except BaseException:
        _release_lease(hub, get_database(), stream)
        raise


def _counted_start(hub: live.Hub, user_id: uuid.UUID) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A lease for a new stream of `user_id` (429 past the allowance) and whom they follow, in one
    transaction."""
    refusal = TooManyRequests(f"at most {MAX_STREAMS_PER_USER} streams may be open at once per user:"
                              " close one first", {"Retry-After": str(LEASE_SECONDS)})
    if hub.leases.full_here(user_id):
        raise refusal  # before taking a connection: a burst from one user must not hold them all
    lease_id = None
    try:
        with get_database().owner_transaction() as connection:
            lease_id = hub.leases.take(connection, user_id)
            if lease_id is None:
                raise refusal
            rows = connection.execute(QUERIES["followee_ids"], {"user_id": user_id})
            followees = [row["followee_id"] for row in rows]
    except BaseException:
        if lease_id is not None:
            hub.leases.forget(lease_id)  # its row went with the transaction
        raise
    return lease_id, followees


@blueprint.get("/stream/public")
def public_stream():
    """Every new tweet and deletion, live; anyone may listen. A signed-in reader (a bearer token, or
    `?ticket=`) is spared the tweets of users they block, who block them, or whom they mute."""
    reader_id, expires_at = None, None
    if flask.request.args.get("ticket") is not None or current_identity().is_user:
        reader_id, _session_id, expires_at = _stream_caller()  # the public stream is not ended by sign-out
    stream = live.Stream(None, sock=_client_socket(), reader_id=reader_id)
    return _respond(stream, _last_event_id(), None if expires_at is None else expires_at + LEEWAY_SECONDS)


def _stream_caller() -> tuple[uuid.UUID, uuid.UUID | None, float]:
    """Who opens a user stream, their token's session, and when their access ends: from a ticket,
    else the bearer token."""
    ticket = flask.request.args.get("ticket")
    if ticket is None:
        identity = require_user()
        return identity.user_id, session_of(identity.claims), float(identity.claims["exp"])
    if not TICKET.fullmatch(ticket):
        raise Unauthorized("this stream ticket is malformed")
    with get_database().owner_transaction() as connection:
        row = connection.execute(QUERIES["spend_stream_ticket"], {"ticket_hash": _ticket_hash(ticket)}).fetchone()
    if row is None:
        raise Unauthorized("this stream ticket is unknown or already used: ask POST /stream/tickets for another")
    if not row["valid"]:
        raise Unauthorized(f"this stream ticket expired: tickets last {TICKET_LIFETIME_SECONDS} s")
    if row["token_expires_at"] + LEEWAY_SECONDS <= time.time():
        raise Unauthorized("the token this ticket was issued for has expired")
    return row["user_id"], row["session_id"], row["token_expires_at"]


def _last_event_id() -> int | None:
    """The `Last-Event-ID` a reconnecting client sends, if any; 400 when it is not one of ours."""
    value = flask.request.headers.get("Last-Event-ID", "").strip()
    if not value:
        return None
    if not EVENT_ID.fullmatch(value):
        raise BadRequest("Last-Event-ID is not an id this API sent (expected a decimal event id)")
    return int(value)


def _respond(stream: live.Stream, resume_after: int | None, ends_at: float | None) -> flask.Response:
    """Register `stream` with the hub and answer with its frames."""
    hub = live.of(flask.current_app)
    if not hub.open(stream):
        raise ServiceUnavailable("live updates are not available right now")
    try:
        if stream.reader_id is not None:
            _read_relations(hub, stream)
        replay = _replay(stream, resume_after) if resume_after is not None else []
    except BaseException:
        hub.close(stream)
        raise
    # The frames are sent after the request's context has ended: they get what they need now.
    frames = _frames(hub, get_database(), stream, replay, ends_at)
    return flask.Response(frames, mimetype="text/event-stream",
                          headers=STREAM_HEADERS)


def _read_relations(hub: live.Hub, stream: live.Stream) -> None:
    """Give a registered stream its reader's blocks and mutes; 403 for a suspended reader.

    Read after registering, so that no block made meanwhile is missed: one committed before this
    read is in it, one after reaches the registered stream as a live event. Frames offered before
    the read completes are checked again when they are sent.
    """
    with get_database().owner_transaction() as connection:
        reader = connection.execute(QUERIES["stream_reader"], {"user_id": stream.reader_id}).fetchone()
    if reader["suspended"]:
        raise Forbidden(SUSPENDED)
    hub.add_relations(stream, reader["blocking"], reader["blocked_by"], reader["muting"])


def _replay(stream: live.Stream, after_id: int) -> list[LiveEvent]:
    """The kept events after `after_id` that this stream may see (it is registered, so none is lost)."""
    with get_database().owner_transaction() as connection:
        return [event for event in read_events(connection, after_id) if stream.wants(event)]


def _frames(hub: live.Hub, database: Database, stream: live.Stream, replay: list[LiveEvent],
            ends_at: float | None) -> Iterator[bytes]:
    """The stream's bytes: a greeting, the replay, then live frames and heartbeats until it ends."""
    try:
        stream.note_sender()
        yield f"retry: {RECONNECT_MILLISECONDS}\n: connected\n\n".encode()
        for event in replay:
            stream.sent(event)
            yield stream.frame(event)
        while not stream.dropped:
            wait_seconds = HEARTBEAT_SECONDS if ends_at is None else min(HEARTBEAT_SECONDS, ends_at - time.time())
            if wait_seconds <= 0:
                return  # the token expired: the client must sign in (or refresh) and reconnect
            try:
                event = stream.buffer.get(timeout=wait_seconds)
            except queue.Empty:
                yield b": keep-alive\n\n"
                continue
            if event is live.CLOSE or stream.dropped:
                return
            # Checked again: a block or mute may have come since the frame was offered.
            if event.id > stream.last_id and stream.wants(event):
                stream.sent(event)
                yield stream.frame(event)
    finally:
        hub.close(stream)
        _release_lease(hub, database, stream)


def _release_lease(hub: live.Hub, database: Database, stream: live.Stream) -> None:
    """Count an ended user stream no more; if the database cannot be told now, its lease expires."""
    if stream.lease_id is None:
        return
    hub.leases.forget(stream.lease_id)
    try:
        with database.owner_transaction() as connection:
            hub.leases.release(connection, stream.lease_id)
    except (ApiError, psycopg.Error, psycopg_pool.PoolTimeout):
        pass  # not refreshed any more, it stops counting within LEASE_SECONDS
    stream.lease_id = None


def _client_socket() -> socket.socket | None:
    """The client's socket (gunicorn passes it), its send buffer bounded; None under other servers."""
    sock = flask.request.environ.get("gunicorn.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SEND_BUFFER_BYTES)
    return sock


def _ticket_hash(ticket: str) -> bytes:
    """What is stored of a ticket: its SHA-256 (a ticket is 256 random bits, so no salt is needed)."""
    return hashlib.sha256(ticket.encode()).digest()
