"""Streams end with their session: within seconds of sign-out (local sign-in) or of their user's
deletion, though their access token would be accepted for up to an hour more."""

from __future__ import annotations

import uuid

import requests

from api.caller import accounts
from api.live.revocation import CHECK_SECONDS
from tests.api.conftest import bearer, make_token
from tests.helpers.fixtures import create_user
from tests.helpers.sse import EventStream
from tests.helpers.waiting import wait_until

# The hub asks every CHECK_SECONDS; the rest is a loaded machine's slack.
ENDED_WITHIN_SECONDS = CHECK_SECONDS + 8


def sign_up(web) -> str:
    """A new local account's access token (it carries the new session's id)."""
    response = requests.post(web.url("/auth/v1/signup"), timeout=30, json={
        "email": f"user-{uuid.uuid4().hex[:10]}@example.test", "password": "correct horse battery"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def ticket_stream(web, headers) -> EventStream:
    """A user stream opened with a ticket, as the web client opens it."""
    ticket = requests.post(web.url("/stream/tickets"), headers=headers, timeout=10).json()["ticket"]
    return EventStream.open(web.url(f"/stream?ticket={ticket}"))


def test_a_stream_ends_within_seconds_of_sign_out(web):
    signed_out, signed_in = bearer(sign_up(web)), bearer(sign_up(web))
    streams = [EventStream.open(web.url("/stream"), signed_out), ticket_stream(web, signed_out)]
    other = EventStream.open(web.url("/stream"), signed_in)
    try:
        assert requests.post(web.url("/auth/v1/logout"), headers=signed_out, timeout=10).status_code == 204
        for stream in streams:
            assert stream.ended.wait(ENDED_WITHIN_SECONDS), "a stream outlived its session"
        assert not other.ended.is_set()  # another session's stream goes on
    finally:
        for stream in [*streams, other]:
            stream.close()


def test_a_stream_ends_within_seconds_of_its_users_deletion(web, postgresql):
    alice, bob = create_user(postgresql, "alice"), create_user(postgresql, "bob")
    alice_headers = bearer(make_token(alice))
    streams = [EventStream.open(web.url("/stream"), alice_headers), ticket_stream(web, alice_headers)]
    other = EventStream.open(web.url("/stream"), bearer(make_token(bob)))
    try:
        postgresql.execute("delete from auth.users where id = %s", (alice,))
        postgresql.commit()
        for stream in streams:
            assert stream.ended.wait(ENDED_WITHIN_SECONDS), "a stream outlived its user"
        assert not other.ended.is_set()
        # Reconnecting is refused once the process's memory of alice's existence is stale.
        wait_until(lambda: requests.post(web.url("/stream/tickets"), headers=alice_headers,
                                         timeout=10).status_code == 401,
                   accounts.EXISTENCE_CACHE_SECONDS + 5, "the deleted user's token to be refused")
        refused = requests.get(web.url("/stream"), headers=alice_headers, timeout=10)
        assert refused.status_code == 401 and "no longer exists" in refused.json()["detail"]
    finally:
        for stream in [*streams, other]:
            stream.close()
