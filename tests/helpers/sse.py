"""A real Server-Sent-Events client for tests: httpx-sse reading a stream in a background thread.

`EventStream.open(url, headers)` connects, checks the response, and collects every event into a
queue; `next()` waits for the next one with a deadline, `next_of(name)` skips other kinds.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import threading

import httpx
import httpx_sse

CONNECT_DEADLINE_SECONDS = 10.0
EVENT_DEADLINE_SECONDS = 15.0
ENDED = object()


@dataclasses.dataclass(frozen=True)
class Event:
    """One received event: its id, name and parsed JSON data."""

    id: str
    name: str
    data: dict


class EventStream:
    """One open stream and the events received on it so far."""

    def __init__(self, response: httpx.Response, client: httpx.Client, source: httpx_sse.EventSource):
        self.response = response
        self._client = client
        self._source = source
        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def open(cls, url: str, headers: dict[str, str] | None = None) -> "EventStream":
        """Connect and start reading; raises AssertionError with the body when the answer is not a stream."""
        client = httpx.Client(timeout=httpx.Timeout(CONNECT_DEADLINE_SECONDS, read=None))
        context = httpx_sse.connect_sse(client, "GET", url, headers=headers or {})
        source = context.__enter__()
        response = source.response
        if response.status_code != 200:
            body = response.read().decode(errors="replace")
            context.__exit__(None, None, None)
            client.close()
            raise AssertionError(f"stream refused: {response.status_code} {body}")
        stream = cls(response, client, source)
        stream._context = context
        return stream

    def _read(self) -> None:
        """Put every event in the queue, then ENDED when the server closes the stream."""
        try:
            for sse in self._source.iter_sse():
                if not sse.data:
                    continue  # a block with no data (`retry:`) dispatches no event in a browser either
                self.events.put(Event(sse.id, sse.event, json.loads(sse.data)))
        except (httpx.HTTPError, httpx_sse.SSEError, ValueError) as error:
            self.error = error  # closed by us, or by the server mid-frame
        finally:
            self.ended.set()
            self.events.put(ENDED)

    def next(self, deadline_seconds: float = EVENT_DEADLINE_SECONDS) -> Event:
        """The next event; fails if none arrives in time or the stream ends."""
        try:
            event = self.events.get(timeout=deadline_seconds)
        except queue.Empty:
            raise AssertionError(f"no event within {deadline_seconds} s") from None
        if event is ENDED:
            raise AssertionError(f"the stream ended ({getattr(self, 'error', 'closed by the server')})")
        return event

    def next_of(self, name: str, deadline_seconds: float = EVENT_DEADLINE_SECONDS) -> Event:
        """The next event called `name`, skipping others."""
        while True:
            event = self.next(deadline_seconds)
            if event.name == name:
                return event

    def close(self) -> None:
        """Disconnect."""
        self.response.close()
        self._client.close()
        self._reader.join(5)
