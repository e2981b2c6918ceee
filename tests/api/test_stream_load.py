"""Streams under load, with the real processes: a thousand at once, a client that stops reading, a stop.

How many streams a process holds at what memory, and the latency figures, are the benchmark's
(`python -m bench stream_bench`); these tests check behaviour only, with generous deadlines.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading

import httpx
import httpx_sse
import pytest

from tests.api.conftest import bearer, make_token
from tests.api.test_streams import post_tweet
from tests.helpers.consumer_process import ConsumerProcess
from tests.helpers.fixtures import create_user
from tests.helpers.sse import EventStream
from tests.helpers.waiting import wait_until

CONCURRENT_STREAMS = 1000
FLOOD_TWEETS = 5000
FLOOD_ROUND_TWEETS = 250
LIMITS = {"RATE_LIMIT_WRITE": "100000/minute", "RATE_LIMIT_READ": "100000/minute"}


@pytest.fixture
def consumer(database_url):
    process = ConsumerProcess(database_url)
    yield process
    process.close()


async def _receive_one_tweet(client: httpx.AsyncClient, url: str, opened: asyncio.Event,
                             counter: list[int]) -> str:
    """Open a public stream, report it open, and return the id of the first tweet it carries."""
    async with httpx_sse.aconnect_sse(client, "GET", url) as source:
        assert source.response.status_code == 200
        counter[0] += 1
        if counter[0] == CONCURRENT_STREAMS:
            opened.set()
        async for sse in source.aiter_sse():
            if sse.event == "tweet":
                return sse.json()["id"]
    raise AssertionError("a stream ended before any tweet")


async def _thousand_streams_see(url: str, post) -> set[str]:
    """Open CONCURRENT_STREAMS streams at once, post a tweet once all are open, collect what each saw."""
    opened, counter = asyncio.Event(), [0]
    limits = httpx.Limits(max_connections=CONCURRENT_STREAMS + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60, read=None)) as client:
        tasks = [asyncio.create_task(_receive_one_tweet(client, url, opened, counter))
                 for _ in range(CONCURRENT_STREAMS)]
        await asyncio.wait_for(opened.wait(), 120)
        await asyncio.to_thread(post)
        return set(await asyncio.wait_for(asyncio.gather(*tasks), 120))


def test_a_thousand_concurrent_streams_all_receive_a_new_tweet(web_factory, database_url, postgresql, consumer):
    web = web_factory(database_url, **LIMITS)
    alice = create_user(postgresql, "alice")
    posted = []
    seen = asyncio.run(_thousand_streams_see(
        web.url("/stream/public"), lambda: posted.append(post_tweet(web, bearer(make_token(alice)), "to all")["id"])))
    assert seen == set(posted)


class RawStreamReader:
    """A public stream read as fast as bytes arrive (no parsing while reading), in a thread.

    A parsing client in Python can fall behind a flood on a loaded machine and be dropped itself,
    rightly; this one keeps up, so that only the stalled client's drop is tested.
    """

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"GET /stream/public HTTP/1.1\r\nHost: test\r\n\r\n")
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while chunk := self.sock.recv(1 << 20):
            self.chunks.append(chunk)

    def tweet_events(self) -> int:
        """How many `tweet` events arrived so far."""
        return b"".join(self.chunks).count(b"\nevent: tweet\n")

    def close(self) -> None:
        """Shut the socket down first: the reading thread's recv then ends, and only then is it closed."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the server closed it already
        self.thread.join(10)
        self.sock.close()


def test_a_client_that_stops_reading_is_dropped_without_delaying_others(web_factory, database_url, postgresql, consumer):
    web = web_factory(database_url, **LIMITS)
    alice = create_user(postgresql, "alice")
    port = int(web.base_url.rsplit(":", 1)[1])
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", port))
    stalled.sendall(b"GET /stream/public HTTP/1.1\r\nHost: test\r\n\r\n")  # and never reads again
    reader = RawStreamReader(port)
    wait_until(lambda: b"connected" in b"".join(reader.chunks), 10, "the reader's stream to open")

    # In rounds smaller than a stream's buffer, each waited for at the reader: a reader that keeps up
    # is never that far behind, however loaded the machine, while the stalled client falls further
    # behind every round until its buffer overflows.
    for first in range(1, FLOOD_TWEETS, FLOOD_ROUND_TWEETS):
        postgresql.execute(
            "insert into public.tweets (user_id, content)"
            " select %s, repeat('x', 270) || n from generate_series(%s::int, %s::int) as n",
            (alice, first, first + FLOOD_ROUND_TWEETS - 1))
        postgresql.commit()
        wait_until(lambda: reader.tweet_events() == first + FLOOD_ROUND_TWEETS - 1, 60, "the round at the reader")
    wait_until(lambda: "dropped a stream whose client is not reading" in web.log(), 30, "the stalled stream's drop")
    assert web.log().count("dropped a stream whose client is not reading") == 1
    assert "Traceback" not in web.log()
    stalled.close()
    reader.close()


def test_sigterm_ends_open_streams_and_the_server_promptly(web_factory, database_url):
    web = web_factory(database_url, **LIMITS)
    reader = EventStream.open(web.url("/stream/public"))
    web.process.send_signal(signal.SIGTERM)
    web.process.wait(15)  # gunicorn's graceful timeout is 4 s; a stream must not hold it longer
    assert reader.ended.wait(5)
    assert "Traceback" not in web.log(), web.log()
