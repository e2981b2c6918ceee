"""Limits that hold under load, with real concurrent clients against real gunicorns.

A rate limit grants at most its budget however many requests arrive at once; a process whose
connections are all taken answers 503 "busy" (never "database unavailable"); one user holds at
most 20 open streams across every process, and a crashed process's streams stop counting.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time

import httpx
import requests

from api.live.leases import LEASE_SECONDS, MAX_STREAMS_PER_USER
from api.live.streams import HEARTBEAT_SECONDS
from tests.api.conftest import bearer, make_token
from tests.helpers import processes
from tests.helpers.fixtures import create_user
from tests.helpers.waiting import wait_until

GENEROUS = {"RATE_LIMIT_WRITE": "100000/minute", "RATE_LIMIT_READ": "100000/minute"}
BUSY = "too busy to take a database connection"


async def _concurrent(method: str, url: str, headers: dict, count: int) -> list[httpx.Response]:
    """`count` requests sent at once, each on its own connection; their responses, bodies read."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120)) as client:
        async def one() -> httpx.Response:
            response = await client.request(method, url, headers=headers)
            await response.aread()
            return response
        return await asyncio.gather(*(one() for _ in range(count)))


def concurrent(method: str, url: str, headers: dict, count: int) -> list[httpx.Response]:
    """`count` concurrent requests from this thread (see `_concurrent`)."""
    return asyncio.run(_concurrent(method, url, headers, count))


def assert_refused_properly(responses: list[httpx.Response]) -> None:
    """Every refusal is a 429, or a 503 that says the process is busy, each with Retry-After."""
    for response in responses:
        if response.status_code >= 300:
            assert response.status_code in (429, 503), (response.status_code, response.text)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
            if response.status_code == 503:
                assert BUSY in response.json()["detail"], response.text


def test_concurrent_reads_from_one_user_get_at_most_the_limit(web_factory, database_url, postgresql):
    limit = 40
    server = web_factory(database_url, workers=2, RATE_LIMIT_READ=f"{limit}/hour")
    headers = bearer(make_token(create_user(postgresql, "alice")))
    responses = concurrent("GET", server.url("/me"), headers, 1000)
    statuses = collections.Counter(response.status_code for response in responses)
    assert statuses[200] <= limit, statuses
    assert set(statuses) <= {200, 429, 503}, statuses
    assert_refused_properly(responses)
    # The window's budget is spent: nothing more gets through, however quiet it is now.
    assert requests.get(server.url("/me"), headers=headers, timeout=10).status_code == 429


def test_a_process_short_of_connections_answers_503_busy(web_factory, database_url, postgresql):
    server = web_factory(database_url, WEB_THREADS="1", **GENEROUS)
    alice = create_user(postgresql, "alice")
    headers = bearer(make_token(alice))
    # Alice's profile is locked here: her PUT /me holds the process's one connection while it waits.
    postgresql.execute("select from public.profiles where id = %s for update", (alice,))
    held = threading.Thread(target=requests.put, args=(server.url("/me"),),
                            kwargs={"json": {"username": "alice", "full_name": "A"}, "headers": headers,
                                    "timeout": 30})
    held.start()
    try:
        wait_until(lambda: postgresql.execute(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock'").fetchone()[0] > 0,
            15, "the PUT to wait on the lock")
        started = time.monotonic()
        busy = requests.get(server.url("/timeline"), headers=headers, timeout=30)
        assert time.monotonic() - started < 5
        assert busy.status_code == 503, busy.text
        assert BUSY in busy.json()["detail"] and "unavailable" not in busy.json()["detail"]
        assert int(busy.headers["Retry-After"]) > 0
    finally:
        postgresql.rollback()
        held.join(30)
    assert requests.get(server.url("/timeline"), headers=headers, timeout=10).status_code == 200


async def _open_streams(url: str, headers: dict, count: int, opened: list, refused: list,
                        release: asyncio.Event) -> None:
    """Open `count` streams at once; keep those accepted open until `release` is set."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120, read=None)) as client:
        async def one() -> None:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    refused.append(response)
                    return
                opened.append(response)
                await release.wait()
        await asyncio.gather(*(one() for _ in range(count)))


class StreamBurst:
    """`count` streams opened at once in a thread of their own, held open until `close()`."""

    def __init__(self, url: str, headers: dict, count: int):
        self.opened: list[httpx.Response] = []
        self.refused: list[httpx.Response] = []
        self.count = count
        self.loop = asyncio.new_event_loop()
        self.release = asyncio.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, daemon=True, args=(
            _open_streams(url, headers, count, self.opened, self.refused, self.release),))
        self.thread.start()
        wait_until(lambda: len(self.opened) + len(self.refused) == count, 120, "every stream to be answered")

    def close(self) -> None:
        """Close every open stream."""
        self.loop.call_soon_threadsafe(self.release.set)
        self.thread.join(30)


def stream_status(server, headers) -> int:
    """The status of one more GET /stream (closed at once)."""
    with requests.get(server.url("/stream"), headers=headers, stream=True, timeout=30) as response:
        return response.status_code


def test_one_user_holds_at_most_20_streams_across_two_processes(web_factory, database_url, postgresql):
    first, second = web_factory(database_url, **GENEROUS), web_factory(database_url, **GENEROUS)
    alice_headers = bearer(make_token(create_user(postgresql, "alice")))
    bob_headers = bearer(make_token(create_user(postgresql, "bob")))
    bursts = [StreamBurst(first.url("/stream"), alice_headers, 15)]
    try:
        bursts.append(StreamBurst(second.url("/stream"), alice_headers, 15))
        assert sum(len(burst.opened) for burst in bursts) == MAX_STREAMS_PER_USER
        refusals = [response for burst in bursts for response in burst.refused]
        assert {response.status_code for response in refusals} == {429}
        assert "at most 20 streams" in refusals[0].json()["detail"]
        assert stream_status(first, bob_headers) == 200  # another user's allowance is their own
        bursts[0].close()
        # Closed streams count no more: alice may open again at once.
        # (A server notices a closed stream when it next writes to it: a heartbeat at the latest.)
        wait_until(lambda: stream_status(second, alice_headers) == 200, 2 * HEARTBEAT_SECONDS + 10,
                   "a closed stream's lease to go")
    finally:
        for burst in bursts:
            burst.close()


def test_a_burst_of_streams_from_one_user_leaves_others_served(web_factory, database_url, postgresql):
    server = web_factory(database_url, **GENEROUS)
    alice_headers = bearer(make_token(create_user(postgresql, "alice")))
    bob_headers = bearer(make_token(create_user(postgresql, "bob")))
    timelines: list[int] = []

    def bob_reads() -> None:
        """Bob's timeline, read again and again while alice's burst is answered."""
        while len(timelines) < 20:
            timelines.append(requests.get(server.url("/timeline"), headers=bob_headers, timeout=30).status_code)

    reader = threading.Thread(target=bob_reads)
    reader.start()
    burst = StreamBurst(server.url("/stream"), alice_headers, 500)
    try:
        reader.join(120)
        refusals = collections.Counter((r.status_code, r.text[:120]) for r in burst.refused)
        assert len(burst.opened) == MAX_STREAMS_PER_USER, refusals
        assert_refused_properly(burst.refused)
        assert collections.Counter(response.status_code for response in burst.refused)[429] > 0
        assert set(timelines) == {200}, timelines
    finally:
        burst.close()


def test_a_crashed_processs_streams_stop_counting(web_factory, database_url, postgresql):
    crashing, surviving = web_factory(database_url, **GENEROUS), web_factory(database_url, **GENEROUS)
    alice_headers = bearer(make_token(create_user(postgresql, "alice")))
    burst = StreamBurst(crashing.url("/stream"), alice_headers, MAX_STREAMS_PER_USER)
    try:
        assert len(burst.opened) == MAX_STREAMS_PER_USER
        processes.stop(crashing.process, grace_seconds=0)  # SIGKILL: nothing is released
        crashed_at = time.monotonic()
        assert stream_status(surviving, alice_headers) == 429
        wait_until(lambda: stream_status(surviving, alice_headers) == 200, LEASE_SECONDS + 30,
                   "the crashed process's leases to expire")
        assert time.monotonic() - crashed_at <= LEASE_SECONDS + 10
    finally:
        burst.close()
